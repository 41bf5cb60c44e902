import FieldSyncCore
import FieldSyncProtocol
import FieldSyncTestSupport
import Foundation
import Testing

@Suite("Bad input gets a 4xx with a code and a message, and changes nothing")
struct BadInputTests {
    let ana = Writer(0xA, "ana")
    let header = (SyncAPI.schemaVersionHeader, "1")

    /// A valid push, as JSON text, for tests to break.
    var validPush: String {
        String(decoding: try! WireJSON.encode(ana.push(ana.newCustomer(IDs.anna, name: "Anna", at: t0))), as: UTF8.self)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var method: String = "POST"
        var path: String = SyncAPI.push
        var body: Data?
        var headers: [(String, String)]?
        var status: Int
        var code: ErrorCode
        /// Words the message must contain, so a person can act on it.
        var mentions: String
        var testDescription: String { name }
    }

    static func push(_ json: String) -> Data { Data(json.utf8) }

    static let cases: [Case] = {
        let ana = Writer(0xA, "ana")
        let valid = String(decoding: try! WireJSON.encode(ana.push(ana.newCustomer(IDs.anna, name: "Anna", at: t0))), as: UTF8.self)
        let header = (SyncAPI.schemaVersionHeader, "1")
        func replacing(_ old: String, _ new: String) -> Data {
            precondition(valid.contains(old), "the valid push has no \(old)")
            return Data(valid.replacingOccurrences(of: old, with: new).utf8)
        }
        return [
            Case(name: "malformed JSON", body: push("{\"format\": "), status: 400, code: .malformed, mentions: "JSON"),
            Case(name: "not an object", body: push("[1, 2]"), status: 400, code: .malformed, mentions: "wrong type"),
            Case(name: "empty body", body: nil, status: 400, code: .malformed, mentions: "body"),
            Case(
                name: "wrong type: schema_version as text", body: replacing("\"schema_version\":1", "\"schema_version\":\"1\""),
                status: 400, code: .malformed, mentions: "schema_version"),
            Case(
                name: "wrong type: rows not a list", body: push(#"{"format":"fieldsync-push","schema_version":1,"replica":"000000000000000a","rows":{}}"#),
                status: 400, code: .malformed, mentions: "rows"),
            Case(
                name: "missing field: no rows", body: push(#"{"format":"fieldsync-push","schema_version":1,"replica":"000000000000000a"}"#),
                status: 400, code: .malformed, mentions: "rows is missing"),
            Case(
                name: "missing field: no version", body: replacing("\"version\":\"", "\"versio\":\""), status: 400,
                code: .malformed, mentions: "version is missing"),
            Case(
                name: "bad replica id", body: replacing("\"replica\":\"000000000000000a\"", "\"replica\":\"xyz\""),
                status: 400, code: .malformed, mentions: "replica"),
            Case(
                name: "unknown table", body: replacing("\"table\":\"customers\"", "\"table\":\"clients\""), status: 400,
                code: .unknownTable, mentions: "clients"),
            Case(
                name: "unknown column", body: replacing("\"full_name\":", "\"nickname\":"), status: 400,
                code: .unknownColumn, mentions: "nickname"),
            Case(
                name: "wrong type for a column", body: replacing("\"value\":\"Anna\"", "\"value\":42"), status: 400,
                code: .wrongType, mentions: "full_name"),
            Case(
                name: "text holding a NUL character", body: replacing("\"value\":\"Anna\"", "\"value\":\"An\\u0000na\""),
                status: 400, code: .wrongType, mentions: "NUL"),
            Case(
                name: "bad record id", body: replacing(IDs.anna, "not-a-uuid"), status: 400, code: .badID,
                mentions: "UUID"),
            Case(
                name: "unknown schema version in the body", body: replacing("\"schema_version\":1", "\"schema_version\":2"),
                status: 400, code: .schemaVersion, mentions: "version 2"),
            Case(
                name: "unknown schema version in the header", body: push(valid),
                headers: [(SyncAPI.schemaVersionHeader, "7")], status: 400, code: .schemaVersion, mentions: "version 7"),
            Case(name: "no schema version header", body: push(valid), headers: [], status: 400, code: .schemaVersion, mentions: "header"),
            Case(
                name: "broken gzip", body: push(valid), headers: [header, ("Content-Encoding", "gzip")], status: 400,
                code: .badEncoding, mentions: "gzip"),
            Case(
                name: "unknown content encoding", body: push(valid), headers: [header, ("Content-Encoding", "br")],
                status: 400, code: .badEncoding, mentions: "br"),
            Case(
                name: "body over the size limit", body: Data(repeating: UInt8(ascii: " "), count: SyncAPI.defaultMaxBodyBytes + 1),
                status: 413, code: .tooLarge, mentions: "smaller"),
            Case(
                name: "gzip inflating over the size limit",
                body: try! Gzip.compress(Data(repeating: UInt8(ascii: " "), count: SyncAPI.defaultMaxBodyBytes + 1)),
                headers: [header, ("Content-Encoding", "gzip")], status: 413, code: .tooLarge, mentions: "smaller"),
            Case(name: "bad pull cursor", method: "GET", path: "/v1/pull?after=zz", status: 400, code: .badArgument, mentions: "after=0"),
            Case(name: "bad pull limit", method: "GET", path: "/v1/pull?limit=-3", status: 400, code: .badArgument, mentions: "limit"),
            Case(name: "bad conflict status", method: "GET", path: "/v1/conflicts?status=maybe", status: 400, code: .badArgument, mentions: "open"),
            Case(name: "bad conflict id", method: "GET", path: "/v1/conflicts/abc", status: 400, code: .badArgument, mentions: "conflict id"),
            Case(
                name: "settle with both keep and value", path: "/v1/conflicts/1/settle",
                body: push(#"{"keep":"0000000000000001-000000000000000a","value":1,"manager":"sue"}"#), status: 400,
                code: .malformed, mentions: "exactly one"),
            Case(name: "unknown endpoint", method: "GET", path: "/v1/nothing", status: 404, code: .notFound, mentions: "endpoint"),
        ]
    }()

    @Test("refused with a code, nothing written", arguments: cases)
    func refused(_ bad: Case) async throws {
        try await withTestServer { server in
            let before = try await server.request(.GET, SyncAPI.digest).decode(DigestResponse.self)
            // As Ana, whose replica the pushes name.
            let answer = try await server.request(
                .init(rawValue: bad.method), bad.path, body: bad.body, headers: bad.headers, as: "ana")
            #expect(answer.status == bad.status, "\(answer)")
            let error = try #require(answer.error, "no error body: \(answer)")
            #expect(error.code == bad.code, "\(answer)")
            #expect(error.message.contains(bad.mentions), "\(error.message)")
            let after = try await server.request(.GET, SyncAPI.digest).decode(DigestResponse.self)
            #expect(after.digest == before.digest && after.rows == 0)
            let conflicts = try await server.request(.GET, "/v1/conflicts?status=all").decode(ConflictListResponse.self)
            #expect(conflicts.conflicts.isEmpty)
        }
    }

    @Test("a push breaking the schema lists every change at fault, each with its own code")
    func everyInvalidChangeListed() async throws {
        try await withTestServer { server in
            let push = ana.push(
                ana.newCustomer(IDs.anna, name: "Anna", at: t0) + [
                    ana.change(IDs.anna, "tier", .text("gold"), at: t0),
                    ana.change(IDs.anna, "birth_date", .text("1990-02-30"), at: t0),
                ])
            let answer = try await server.push(push)
            #expect(answer.status == 400)
            let rejected = try #require(answer.error?.rejected)
            #expect(Set(rejected.map(\.code)) == [.notAllowed, .badDate])
            #expect(Set(rejected.map(\.field.column)) == ["tier", "birth_date"])
            #expect(try await server.request(.GET, SyncAPI.digest).decode(DigestResponse.self).rows == 0)
        }
    }
}
