import FieldSyncCore
import FieldSyncProtocol
import Foundation
import Testing

/// Pushes are written and read by hand (PushRequestWriter, WireReader) for
/// speed; `PushRequest`'s Codable conformance stays the reference: the same
/// bytes out, the same requests and refusals in.
@Suite("Push request codec")
struct PushRequestCodecTests {
    /// What `WireJSON.encode` wrote before pushes were written by hand.
    static func codable(_ push: PushRequest) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(push)
    }

    static let page = PullPageCodecTests.page
    static let replica = PullPageCodecTests.replica

    @Test(
        "the writer writes the bytes Codable writes, with and without the optional keys",
        arguments: [
            (String?.some("ana"), PullCursor?.some(PullCursor(seq: 42, position: (1, PullPageCodecTests.other)))),
            (nil, nil), ("ana", nil), (nil, PullCursor(seq: 7)),
        ])
    func writer(manager: String?, cursor: PullCursor?) throws {
        let push = PushRequest(changeSet: Self.page.changeSet, replica: Self.replica, manager: manager, cursor: cursor)
        let written = try WireJSON.encode(push)
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: try Self.codable(push), as: UTF8.self))
        let read = try WireJSON.decode(PushRequest.self, from: written)
        #expect(read.changeSet == push.changeSet && read.replica == push.replica)
        #expect(read.manager == manager && read.cursor == cursor)
    }

    @Test("two changes to one field: the one a merge keeps, as Codable writes it")
    func duplicateField() throws {
        let change = Self.page.changeSet.changes[0]
        var later = change
        later.value = .text("later")
        later.version = Version(
            timestamp: HybridTimestamp(rawValue: change.version.timestamp.rawValue + 1), replica: Self.replica)
        let push = PushRequest(
            changeSet: ChangeSet(schemaVersion: 1, changes: [later, change]), replica: Self.replica, manager: nil,
            cursor: nil)
        #expect(try WireJSON.encode(push) == Self.codable(push))
    }

    @Test("a value that is not a finite number is refused, not written")
    func notFinite() throws {
        let change = FieldChange(
            table: "holdings", rowID: PullPageCodecTests.other, column: "yield", value: .real(.nan),
            version: PullPageCodecTests.version(1_795_000_000_000))
        let push = PushRequest(
            changeSet: ChangeSet(schemaVersion: 1, changes: [change]), replica: Self.replica, manager: nil, cursor: nil)
        #expect(throws: WireError.self) { try WireJSON.encode(push) }
    }

    @Test("the reader reads what Codable writes, spaced and in any key order, back into the same push")
    func reader() throws {
        let push = PushRequest(
            changeSet: Self.page.changeSet, replica: Self.replica, manager: "ana", cursor: PullCursor(seq: 9))
        let read = try WireJSON.decode(PushRequest.self, from: WireJSON.encode(push, pretty: true))
        #expect(read.changeSet == push.changeSet && read.replica == push.replica)
        #expect(read.manager == "ana" && read.cursor == PullCursor(seq: 9))
        let text = """
            {"rows": [], "manager": null, "extra": [1, {"a": "b"}], "replica": "1f2e3d4c5b6a7980",
             "cursor": null, "schema_version": 1, "format": "fieldsync-push"}
            """
        let minimal = try WireJSON.decode(PushRequest.self, from: Data(text.utf8))
        #expect(minimal.changeSet.changes.isEmpty && minimal.manager == nil && minimal.cursor == nil)
    }

    @Test("a body of nested brackets is refused, not read into a stack overflow")
    func deepNesting() throws {
        let nested = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let document =
            #"{"format":"fieldsync-push","schema_version":1,"replica":"1f2e3d4c5b6a7980","extra":"# + nested
            + #","rows":[]}"#
        let error = try #require(throws: WireError.self) {
            try WireJSON.decode(PushRequest.self, from: Data(document.utf8))
        }
        #expect(error.code == .malformed && error.message.contains("nests deeper than 512"), "\(error.message)")
        let shallow =
            #"{"format":"fieldsync-push","schema_version":1,"replica":"1f2e3d4c5b6a7980","extra":[[{"a":[1]}]],"rows":[]}"#
        #expect(try WireJSON.decode(PushRequest.self, from: Data(shallow.utf8)).changeSet.changes.isEmpty)
    }

    @Test(
        "a value's number follows JSON's grammar: what other JSON readers refuse is malformed",
        arguments: [
            ("0", true), ("-0", true), ("12", true), ("1.5e+3", true), ("2E-2", true), ("-7.25", true),
            ("+7", false), ("007", false), (".5", false), ("5.", false), ("1e", false), ("-", false), ("1e+", false),
            ("0x1", false),
        ])
    func numberGrammar(number: String, valid: Bool) throws {
        let document =
            #"{"format":"fieldsync-push","schema_version":1,"replica":"1f2e3d4c5b6a7980","rows":[{"table":"t","id":"i","fields":{"c":{"value":"#
            + number + #","version":"01a1ee565e000003-1f2e3d4c5b6a7980"}}}]}"#
        let decoded = Result { try WireJSON.decode(PushRequest.self, from: Data(document.utf8)) }
        switch decoded {
        case .success(let request): #expect(valid && request.changeSet.count == 1, "\(number)")
        case .failure(let error):
            #expect(!valid && (error as? WireError)?.code == .malformed, "\(number): \(error)")
        }
    }

    @Test(
        "the reader refuses what Codable refuses, naming where",
        arguments: [
            ("[1, 2]", "the document has the wrong type"),
            (
                #"{"format":"fieldsync-pull","schema_version":1,"replica":"1f2e3d4c5b6a7980","rows":[]}"#,
                "format: expected \"fieldsync-push\""
            ),
            (#"{"format":"fieldsync-push","replica":"1f2e3d4c5b6a7980","rows":[]}"#, "schema_version is missing"),
            (
                #"{"format":"fieldsync-push","schema_version":"1","replica":"1f2e3d4c5b6a7980","rows":[]}"#,
                "schema_version has the wrong type"
            ),
            (#"{"format":"fieldsync-push","schema_version":1,"rows":[]}"#, "replica is missing"),
            (
                #"{"format":"fieldsync-push","schema_version":1,"replica":"0000000000000000","rows":[]}"#,
                "replica is not a replica id"
            ),
            (#"{"format":"fieldsync-push","schema_version":1,"replica":7,"rows":[]}"#, "replica has the wrong type"),
            (
                #"{"format":"fieldsync-push","schema_version":1,"replica":"1f2e3d4c5b6a7980","manager":"A B","rows":[]}"#,
                "manager must be"
            ),
            (
                #"{"format":"fieldsync-push","schema_version":1,"replica":"1f2e3d4c5b6a7980","cursor":"x","rows":[]}"#,
                "cursor is not a cursor"
            ),
            (#"{"format":"fieldsync-push","schema_version":1,"replica":"1f2e3d4c5b6a7980"}"#, "rows is missing"),
            (
                #"{"format":"fieldsync-push","schema_version":1,"replica":"1f2e3d4c5b6a7980","rows":{}}"#,
                "rows has the wrong type"
            ),
            (
                #"{"format":"fieldsync-push","schema_version":1,"replica":"1f2e3d4c5b6a7980","rows":[{"table":"t","id":"i","fields":{"c":{"value":true,"version":"01a1ee565e000003-1f2e3d4c5b6a7980"}}}]}"#,
                "rows[0].fields.c.value: a value is a string, a number, null or"
            ),
            (
                #"{"format":"fieldsync-push","schema_version":1,"replica":"1f2e3d4c5b6a7980","rows":[{"table":"t","id":"i","fields":{"c":{"value":[1],"version":"01a1ee565e000003-1f2e3d4c5b6a7980"}}}]}"#,
                "rows[0].fields.c.value: a value is a string, a number, null or"
            ),
            (#"{"format":"fieldsync-push","schema_version":+1,"replica":"1f2e3d4c5b6a7980","rows":[]}"#, "not valid JSON"),
            (#"{"format":"fieldsync-push","schema_version":01,"replica":"1f2e3d4c5b6a7980","rows":[]}"#, "not valid JSON"),
            (
                #"{"format":"fieldsync-push","schema_version":1,"replica":"1f2e3d4c5b6a7980","rows":[{"table":"t","id":"i","fields":{"c":{"value":1}}}]}"#,
                "rows[0].fields.c.version is missing"
            ),
            (#"{"format": "#, "not valid JSON"),
        ])
    func readerRefusals(document: String, message: String) throws {
        let error = try #require(throws: WireError.self) {
            try WireJSON.decode(PushRequest.self, from: Data(document.utf8))
        }
        #expect(error.code == .malformed)
        #expect(error.message.contains(message), "\(error.message)")
    }
}
