import FieldSyncCore
import FieldSyncPostgres
import FieldSyncProtocol
import FieldSyncTestSupport
import Foundation
import Testing

/// protocol/examples/: requests and the exact responses of a service whose
/// clock and replica id are fixed, replayed in order against a fresh server.
/// A third party can replay the same files against their own implementation.
/// Regenerate with FIELDSYNC_RECORD_GOLDEN=1 (then review the diff).
@Suite("Golden protocol examples")
struct GoldenExampleTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("protocol/examples")
    static let recording = ProcessInfo.processInfo.environment["FIELDSYNC_RECORD_GOLDEN"] == "1"

    struct Example {
        var name: String
        var description: String
        var method: String
        var path: String
        var body: Any?
        /// Whose token the request carries (nil: none).
        var caller: String?
    }

    /// The story the examples tell: a manager and her supervisor edit one
    /// customer, a conflict, its settlement, scope, reassignment, the report, and errors.
    static func script() throws -> [Example] {
        let ana = Writer(0xA, "ana")
        let ben = Writer(0xB, "sue")
        let zoe = Writer(0xC, "zoe")
        func json(_ value: some Encodable) throws -> Any { try JSONSerialization.jsonObject(with: WireJSON.encode(value)) }
        let created = ana.newCustomer(IDs.anna, name: "Anna Keller", at: t0) + [
            ana.change(IDs.anna, "phone", .text("+41 44 000 00 00"), at: t0),
            ana.change(IDs.anna, "tier", .text("standard"), at: t0),
        ]
        let base = ana.version(t0)
        return [
            Example(
                name: "01-push", description: "Ana's device pushes a new customer.", method: "POST", path: SyncAPI.push,
                body: try json(ana.push(created)), caller: "ana"),
            Example(
                name: "02-pull", description: "Sue, Ana's supervisor, pulls everything of her branch (first sync).", method: "GET",
                path: SyncAPI.pull + "?after=0&limit=100", body: nil, caller: "sue"),
            Example(
                name: "03-push-edit", description: "Ana raises the tier; she had seen the service's version (her own).",
                method: "POST", path: SyncAPI.push,
                body: try json(ana.push([ana.change(IDs.anna, "tier", .text("premium"), at: t0 + 10_000, base: base)], cursor: PullCursor(seq: 1))), caller: "ana"),
            Example(
                name: "04-push-conflict",
                description: "Sue, offline, set the tier from the same base and changed the city: the tier is a conflict, the city is not.",
                method: "POST", path: SyncAPI.push,
                body: try json(
                    ben.push(
                        [
                            ben.change(IDs.anna, "tier", .text("private"), at: t0 + 20_000, base: base),
                            ben.change(IDs.anna, "city", .text("Zurich"), at: t0 + 20_000),
                        ], cursor: PullCursor(seq: 1))), caller: "sue"),
            Example(
                name: "05-conflicts", description: "The open conflicts.", method: "GET", path: SyncAPI.conflicts, body: nil,
                caller: "sue"),
            Example(
                name: "06-settle", description: "A supervisor keeps Ana's value: it is written again as a fresh change.",
                method: "POST", path: SyncAPI.settle(1),
                body: try json(SettleRequest(resolution: .keep(ana.version(t0 + 10_000)))), caller: "sue"),
            Example(
                name: "07-pull-after", description: "Sue pulls what changed after her first pull.", method: "GET",
                path: SyncAPI.pull + "?after=1", body: nil, caller: "sue"),
            Example(
                name: "08-digest", description: "The digest of what Ana may see.", method: "GET", path: SyncAPI.digest,
                body: nil, caller: "ana"),
            Example(
                name: "09-push-clock-skew",
                description: "A device whose clock runs 10 minutes ahead: the change is rejected with the service's time.",
                method: "POST", path: SyncAPI.push,
                body: try json(ana.push([ana.change(IDs.anna, "notes", .text("call back"), at: t0 + 70_000 + 600_000, base: nil)])), caller: "ana"),
            Example(
                name: "10-push-invalid", description: "A change breaking the schema: the whole push is refused, every fault listed.",
                method: "POST", path: SyncAPI.push,
                body: try json(ana.push([ana.change(IDs.anna, "tier", .text("gold"), at: t0 + 70_000)])), caller: "ana"),
            Example(
                name: "11-settle-twice", description: "Settling a settled conflict.", method: "POST", path: SyncAPI.settle(1),
                body: try json(SettleRequest(resolution: .value(.text("standard")))), caller: "sue"),
            Example(
                name: "12-pull-other-branch",
                description: "Zoe, a manager of another branch, pulls: nothing of Ana's customer reaches her.", method: "GET",
                path: SyncAPI.pull + "?after=0", body: nil, caller: "zoe"),
            Example(
                name: "13-push-forbidden",
                description: "Zoe pushes an edit of Ana's customer: refused as forbidden, and the service's value is not revealed.",
                method: "POST", path: SyncAPI.push,
                body: try json(zoe.push([zoe.change(IDs.anna, "phone", .text("+34 1"), at: t0 + 70_000)])), caller: "zoe"),
            Example(
                name: "14-reassign", description: "Sue gives the customer to Ben; Ana's next pull removes it.",
                method: "POST", path: SyncAPI.reassign(IDs.anna), body: try json(ReassignRequest(to: "ben")), caller: "sue"),
            Example(
                name: "15-pull-removed", description: "Ana pulls after the reassignment: the customer is in removed.",
                method: "GET", path: SyncAPI.pull + "?after=3", body: nil, caller: "ana"),
            Example(
                name: "16-report", description: "Sue's branch report since the day of the story.", method: "GET",
                path: SyncAPI.report + "?since=2026-11-18", body: nil, caller: "sue"),
            Example(
                name: "17-no-token", description: "A request without a token.", method: "GET", path: SyncAPI.digest,
                body: nil, caller: nil),
            Example(
                name: "18-push-visit", description: "Ana adds her customer Bruno and logs a visit to him.", method: "POST",
                path: SyncAPI.push,
                body: try json(
                    ana.push(
                        ana.newCustomer(IDs.bruno, name: "Bruno Otto", at: t0 + 70_000) + [
                            ana.change(IDs.visit, "customer_id", .text(IDs.bruno), at: t0 + 70_000, table: "interactions"),
                            ana.change(IDs.visit, "channel", .text("visit"), at: t0 + 70_000, table: "interactions"),
                            ana.change(
                                IDs.visit, "occurred_at", .text("2026-11-18T09:30:00Z"), at: t0 + 70_000, table: "interactions"),
                        ])), caller: "ana"),
            Example(
                name: "19-reassign-bruno", description: "Sue gives Bruno to Ben too.", method: "POST",
                path: SyncAPI.reassign(IDs.bruno), body: try json(ReassignRequest(to: "ben")), caller: "sue"),
            Example(
                name: "20-push-removed-records",
                description: "Ana, not synced since, edits her visit to Bruno: refused, and removed_records tells her device to drop its copy of the visit (the edit stays among her rejected changes).",
                method: "POST", path: SyncAPI.push,
                body: try json(
                    ana.push([
                        ana.change(IDs.visit, "summary", .text("brought the forms"), at: t0 + 100_000, table: "interactions")
                    ])), caller: "ana"),
        ]
    }

    /// JSON text with sorted keys: equal exactly when the documents are equal.
    static func canonical(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
    }

    @Test("every example's response is exactly the golden one")
    func replay() async throws {
        try await withTestServer(clock: ManualWallClock(t0 + 70_000)) { server in
            let examples: [(name: String, document: [String: Any])]
            if Self.recording {
                // Tokens are issued from a seeded generator: the same on every run.
                examples = try Self.script().map { example in
                    var request: [String: Any] = ["method": example.method, "path": example.path]
                    var headers = [SyncAPI.schemaVersionHeader: "1"]
                    headers["Authorization"] = example.caller.map { "Bearer \(server.tokens[$0]!)" }
                    request["headers"] = headers
                    if let body = example.body { request["body"] = body }
                    return (example.name, ["description": example.description, "request": request])
                }
            } else {
                let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
                    .filter { $0.hasSuffix(".json") }.sorted()
                let expected = try Self.script().count
                try #require(
                    files.count == expected,
                    "protocol/examples/ should hold \(expected) examples; record them with FIELDSYNC_RECORD_GOLDEN=1")
                examples = try files.map { file in
                    let data = try Data(contentsOf: Self.directory.appendingPathComponent(file))
                    return (String(file.dropLast(5)), try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]))
                }
            }
            for (name, document) in examples {
                let request = try #require(document["request"] as? [String: Any])
                let headers = (request["headers"] as? [String: String] ?? [:]).map { ($0.key, $0.value) }
                let body = try request["body"].map { try JSONSerialization.data(withJSONObject: $0) }
                let answer = try await server.request(
                    .init(rawValue: try #require(request["method"] as? String)), try #require(request["path"] as? String),
                    body: body, headers: headers, as: nil)
                let responseBody = try JSONSerialization.jsonObject(with: answer.body)
                if Self.recording {
                    // Recorded from the default store, SQLite (the PostgreSQL run comes second).
                    guard !(server.store is PostgresCentralStore) else { continue }
                    var recorded = document
                    recorded["response"] = ["status": answer.status, "body": responseBody]
                    try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
                    try JSONSerialization.data(withJSONObject: recorded, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                        .write(to: Self.directory.appendingPathComponent(name + ".json"))
                } else {
                    let expected = try #require(document["response"] as? [String: Any])
                    let body = expected["body"] as Any
                    #expect(answer.status == expected["status"] as? Int, "\(name)")
                    #expect(try Self.canonical(responseBody) == Self.canonical(body), "\(name): got \(answer)")
                }
            }
        }
    }
}
