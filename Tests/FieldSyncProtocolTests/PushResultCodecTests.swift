import FieldSyncCore
import FieldSyncProtocol
import Foundation
import Testing

/// A push's answer is written (when it refuses nothing) and read by hand
/// for speed; `PushResponse`'s Codable conformance stays the reference.
@Suite("Push result codec")
struct PushResultCodecTests {
    static func codable(_ result: PushResponse) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(result)
    }

    static let refusals = [
        ChangeRejection(
            field: FieldRef(table: "customers", rowID: PullPageCodecTests.other, column: "phone"),
            version: PullPageCodecTests.version(1_795_000_000_000), code: .forbidden,
            message: "not yours: \"Rui\" / ana",
            current: (.text("+351 1"), PullPageCodecTests.version(1_794_000_000_000))),
        ChangeRejection(
            field: FieldRef(table: "holdings", rowID: PullPageCodecTests.other, column: "amount"),
            version: PullPageCodecTests.version(1_795_000_000_001), code: .clockSkew, message: "ahead",
            current: (.null, PullPageCodecTests.version(1_700_000_000_000))),
        ChangeRejection(
            field: FieldRef(table: "tasks", rowID: PullPageCodecTests.other, column: "title"),
            version: PullPageCodecTests.version(1_795_000_000_002), code: .requiredField, message: "missing"),
    ]

    @Test(
        "the writer writes the bytes Codable writes, and the reader reads them back",
        arguments: [
            PushResponse(accepted: 31, rejected: [], conflicts: 0, serverTimeMillis: 1_795_000_070_000),
            PushResponse(
                accepted: 31, rejected: [], conflicts: 0, serverTimeMillis: 1_795_000_070_000,
                cursor: PullCursor(seq: 812)),
            PushResponse(accepted: 0, rejected: [], conflicts: 12, serverTimeMillis: 0),
            PushResponse(accepted: 2, rejected: refusals, conflicts: 1, serverTimeMillis: UInt64(Int64.max)),
            PushResponse(
                accepted: 2, rejected: [], conflicts: 0, serverTimeMillis: 7,
                removedRecords: [RecordRef(table: "interactions", rowID: PullPageCodecTests.other)]),
            PushResponse(
                accepted: 0, rejected: refusals, conflicts: 0, serverTimeMillis: 7,
                removedRecords: [
                    RecordRef(table: "interactions", rowID: PullPageCodecTests.other),
                    RecordRef(table: "tasks", rowID: PullPageCodecTests.other),
                ]),
        ])
    func roundTrip(_ result: PushResponse) throws {
        let written = try WireJSON.encode(result)
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: try Self.codable(result), as: UTF8.self))
        #expect(try WireJSON.decode(PushResponse.self, from: written) == result)
        #expect(try WireJSON.decode(PushResponse.self, from: WireJSON.encode(result, pretty: true)) == result)
    }

    @Test("the reader takes any key order and spacing, and skips keys it does not know")
    func spacing() throws {
        let text = """
            { "server_time" : 5, "extra": {"a": [1, null]}, "rejected": [ {"message": "m", "code": "forbidden",
              "current": null, "version": "01a1ee565e000003-1f2e3d4c5b6a7980", "column": "c", "id": "i",
              "table": "t"} ], "conflicts": 0, "format": "fieldsync-push-result", "accepted": 1 }
            """
        let read = try WireJSON.decode(PushResponse.self, from: Data(text.utf8))
        #expect(read.accepted == 1 && read.serverTimeMillis == 5 && read.rejected.count == 1)
        #expect(read.rejected[0].field == FieldRef(table: "t", rowID: "i", column: "c"))
        #expect(read.rejected[0].code == .forbidden && read.rejected[0].current == nil)
    }

    @Test(
        "the reader refuses what Codable refuses, naming where",
        arguments: [
            (
                #"{"format":"fieldsync-push","accepted":1,"conflicts":0,"rejected":[],"server_time":1}"#,
                "format: expected"
            ),
            (#"{"format":"fieldsync-push-result","conflicts":0,"rejected":[],"server_time":1}"#, "accepted is missing"),
            (#"{"format":"fieldsync-push-result","accepted":1,"rejected":[],"server_time":1}"#, "conflicts is missing"),
            (#"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"server_time":1}"#, "rejected is missing"),
            (#"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[]}"#, "server_time is missing"),
            (
                #"{"format":"fieldsync-push-result","accepted":"1","conflicts":0,"rejected":[],"server_time":1}"#,
                "accepted has the wrong type"
            ),
            (
                #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[{"table":"t","id":"i","column":"c","code":"x","message":"m"}],"server_time":1}"#,
                "rejected[0].version is missing"
            ),
            (
                #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[{"table":"t","id":"i","column":"c","code":"x","message":"m","version":"soon"}],"server_time":1}"#,
                "rejected[0].version is not a version"
            ),
            (
                #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[{"table":"t","column":"c","code":"x","message":"m","version":"01a1ee565e000003-1f2e3d4c5b6a7980"}],"server_time":1}"#,
                "rejected[0].id is missing"
            ),
            (
                #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[{"table":"t","id":"i","column":"c","code":"x","message":"m","version":"01a1ee565e000003-1f2e3d4c5b6a7980","current":{"value":1}}],"server_time":1}"#,
                "rejected[0].current.version is missing"
            ),
            (
                #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[],"server_time":1,"cursor":"12.x"}"#,
                "cursor is not a pull cursor"
            ),
            (
                #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[],"server_time":1,"cursor":12}"#,
                "cursor has the wrong type"
            ),
            (#"{"format": "#, "not valid JSON"),
        ])
    func readerRefusals(document: String, message: String) throws {
        let error = try #require(throws: WireError.self) {
            try WireJSON.decode(PushResponse.self, from: Data(document.utf8))
        }
        #expect(error.code == .malformed)
        #expect(error.message.contains(message), "\(error.message)")
    }

    /// `PushResponse`'s Codable conformance, which the reader stands in for.
    static func decodedByCodable(_ document: String) throws -> PushResponse {
        try JSONDecoder().decode(PushResponse.self, from: Data(document.utf8))
    }

    @Test(
        "the reader takes what Codable takes, into the same answer, and refuses what it refuses",
        arguments: [
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[],"server_time":18446744073709551615}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"cursor":"4.1.c0ffee00-0000-4000-8000-000000000001","rejected":[],"server_time":1}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"cursor":"-4","rejected":[],"server_time":1}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"cursor":null,"rejected":[],"server_time":1}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[],"server_time":-1}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[],"server_time":1.5}"#,
            #"{"format":"fieldsync-push-result","accepted":null,"conflicts":0,"rejected":[],"server_time":1}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":null,"server_time":1}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[{"table":"t","id":"i","column":"c","code":"forbidden","message":"m","version":"01a1ee565e000003-1f2e3d4c5b6a7980","current":{"value":{"base64":"AQI="},"version":"01a1ee565e000002-1f2e3d4c5b6a7980"}}],"server_time":1}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[{"table":"t","id":"i","column":"c","code":"forbidden","message":"m","version":7}],"server_time":1}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[{"table":"t","id":"i","column":"c","code":"forbidden","message":"m","version":"01a1ee565e000003-1f2e3d4c5b6a7980","current":{"value":"x","version":"later"}}],"server_time":1}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[],"removed_records":[{"id":"c0ffee00-0000-4000-8000-000000000001","table":"tasks"}],"server_time":1}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[],"removed_records":null,"server_time":1}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[],"removed_records":[],"server_time":1}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[],"removed_records":[{"id":"x","table":"tasks"}],"server_time":1}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[],"removed_records":[{"id":"c0ffee00-0000-4000-8000-000000000001"}],"server_time":1}"#,
            #"{"format":"fieldsync-push-result","accepted":1,"conflicts":0,"rejected":[],"removed_records":{},"server_time":1}"#,
        ])
    func sameAsCodable(_ document: String) throws {
        let reference = Result { try Self.decodedByCodable(document) }
        let read = Result { try WireJSON.decode(PushResponse.self, from: Data(document.utf8)) }
        switch (reference, read) {
        case (.success(let expected), .success(let answer)): #expect(answer == expected)
        case (.failure, .failure(let error)): #expect((error as? WireError)?.code == .malformed, "\(error)")
        default: Issue.record("Codable: \(reference); reader: \(read)")
        }
    }
}
