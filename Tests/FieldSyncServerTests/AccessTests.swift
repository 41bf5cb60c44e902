import FieldSyncCore
import FieldSyncProtocol
import FieldSyncService
import Foundation
import NIOHTTP1
import Testing

/// Tokens, roles and scope, over HTTP: what each caller may see and do.
@Suite("Access: tokens, roles and scope on every endpoint")
struct AccessTests {
    let ana = Writer(0xA, "ana")
    let sue = Writer(0x5, "sue")

    /// Every endpoint but /health, with a body where it needs one.
    static let endpoints: [(HTTPMethod, String, Data?)] = [
        (.POST, SyncAPI.push, nil), (.GET, SyncAPI.pull, nil), (.GET, SyncAPI.digest, nil),
        (.GET, SyncAPI.conflicts, nil), (.GET, SyncAPI.conflict(1), nil),
        (.POST, SyncAPI.settle(1), Data(#"{"value":"x"}"#.utf8)),
        (.POST, SyncAPI.reassign(IDs.anna), Data(#"{"to":"ben"}"#.utf8)), (.GET, SyncAPI.report, nil),
        (.GET, SyncAPI.metrics, nil),
    ]

    @Test("every endpoint but /health and /ready refuses a request without a token, or with an unknown one: 401")
    func tokenRequired() async throws {
        try await withTestServer { server in
            #expect(try await server.request(.GET, SyncAPI.health, as: nil).status == 200)
            #expect(try await server.request(.GET, SyncAPI.ready, as: nil).status == 200)
            for (method, path, body) in Self.endpoints {
                for headers in [
                    [], [("Authorization", "Bearer fst_not-a-token")], [("Authorization", "Basic YWxhZGRpbg==")],
                ] {
                    let answer = try await server.request(
                        method, path, body: body, headers: [(SyncAPI.schemaVersionHeader, "1")] + headers, as: nil)
                    #expect(answer.status == 401, "\(method) \(path): \(answer)")
                    #expect(answer.error?.code == .unauthorized, "\(method) \(path)")
                    #expect(answer.headers["WWW-Authenticate"].first == "Bearer")
                }
            }
        }
    }

    @Test("a revoked token stops working on its next request; revoking one token leaves the manager's others")
    func revokedToken() async throws {
        try await withTestServer { server in
            #expect(try await server.request(.GET, SyncAPI.digest, as: "ana").status == 200)
            let second = try await server.store.issueToken(for: "ana")
            #expect(try await server.store.revokeTokens(server.tokens["ana"]!) == 1)
            #expect(try await server.request(.GET, SyncAPI.digest, as: "ana").status == 401)
            let withSecond = try await server.request(
                .GET, SyncAPI.digest,
                headers: [(SyncAPI.schemaVersionHeader, "1"), ("Authorization", "Bearer \(second)")],
                as: nil)
            #expect(withSecond.status == 200)
            #expect(try await server.store.revokeTokens("ana") == 1)
            #expect(try await server.store.tokens(of: "ana").allSatisfy { $0.revokedAtMillis != nil })
            await #expect(throws: ServiceError.self) { try await server.store.revokeTokens("nobody") }
        }
    }

    /// A token lost before it reached the device is known only by what
    /// `token list` shows; revoking it must not cut off the manager's others.
    @Test("a token's first characters must match exactly one active token")
    func ambiguousHint() {
        #expect(throws: Never.self) { try AccessToken.checkHintMatches(1, "fst_AbCdEf…") }
        for count in [0, 2] {
            #expect(throws: ServiceError.self) { try AccessToken.checkHintMatches(count, "fst_AbCdEf…") }
        }
    }

    @Test("a token revoked by its first characters, as token list shows them; ambiguous or malformed ones refused")
    func revokedByHint() async throws {
        try await withTestServer { server in
            let lost = try await server.store.issueToken(for: "ana")
            let hints = try await server.store.tokens(of: "ana").map(\.hint)
            let hint = try #require(hints.first { lost.hasPrefix(String($0.dropLast())) }, "\(hints)")
            #expect(hint.hasSuffix("…"))
            #expect(try await server.store.revokeTokens(String(hint.dropLast())) == 1)
            #expect(try await server.request(.GET, SyncAPI.digest, as: "ana").status == 200, "her device's token")
            let again = await #expect(throws: ServiceError.self) { try await server.store.revokeTokens(hint) }
            #expect(again?.code == .badArgument && again?.message.contains("no active token") == true)
            let malformed = await #expect(throws: ServiceError.self) { try await server.store.revokeTokens("fst_abc") }
            #expect(malformed?.code == .badArgument && malformed?.message.contains("token list") == true)
            // A manager id may not read as a token's first characters.
            let lookalike = Manager(id: "fst_AbCdEf", name: "X", branch: "north", role: .manager)
            await #expect(throws: ServiceError.self) { try await server.store.addManager(lookalike) }
        }
    }

    @Test("a manager's name is not blank, has no line breaks, invisible or direction-changing characters; 200 at most")
    func managerNames() async throws {
        try await withTestServer { server in
            let refusedNames = [
                "", "   ", "Ana\nLima", "Ana\tLima", "Ana\u{2028}Lima", "Ana\u{200B}", "\u{202E}amiL anA",
                String(repeating: "a", count: 201), "A" + String(repeating: "\u{301}", count: 200),
            ]
            for name in refusedNames {
                let refused = await #expect(throws: ServiceError.self, "\(name.debugDescription)") {
                    try await server.store.addManager(Manager(id: "nm", name: name, branch: "north", role: .manager))
                }
                #expect(refused?.code == .badArgument && refused?.message.hasPrefix("a manager's name") == true)
            }
            let longest = String(repeating: "é", count: 200)
            try await server.store.addManager(Manager(id: "nm", name: longest, branch: "north", role: .manager))
            #expect(try await server.store.managers().contains { $0.manager.name == longest })
        }
    }

    /// Ana's customer with a visit, a task and a holding, and a conflict on its tier between Ana and her supervisor.
    func anaBook(_ server: TestServer) async throws {
        let created =
            ana.newCustomer(IDs.anna, name: "Anna Keller", at: t0) + [
                ana.change(IDs.anna, "tier", .text("standard"), at: t0),
                ana.change(IDs.customer(11), "customer_id", .text(IDs.anna), at: t0, table: "interactions"),
                ana.change(IDs.customer(11), "channel", .text("visit"), at: t0, table: "interactions"),
                ana.change(
                    IDs.customer(11), "occurred_at", .text("2026-11-18T09:00:00Z"), at: t0, table: "interactions"),
                ana.change(IDs.customer(12), "customer_id", .text(IDs.anna), at: t0, table: "tasks"),
                ana.change(IDs.customer(12), "kind", .text("call_back"), at: t0, table: "tasks"),
                ana.change(IDs.customer(12), "title", .text("Call Anna"), at: t0, table: "tasks"),
                ana.change(IDs.customer(12), "due_date", .text("2026-11-01"), at: t0, table: "tasks"),
                ana.change(IDs.customer(12), "status", .text("open"), at: t0, table: "tasks"),
                ana.change(IDs.customer(13), "customer_id", .text(IDs.anna), at: t0, table: "holdings"),
                ana.change(IDs.customer(13), "category", .text("fund"), at: t0, table: "holdings"),
                ana.change(IDs.customer(13), "product_name", .text("World Fund"), at: t0, table: "holdings"),
                ana.change(IDs.customer(13), "amount", .integer(500_000), at: t0, table: "holdings"),
                ana.change(IDs.customer(13), "currency", .text("EUR"), at: t0, table: "holdings"),
            ]
        let pushed = try await server.push(ana.push(created)).decode(PushResponse.self)
        try #require(pushed.accepted == created.count && pushed.rejected.isEmpty, "\(pushed)")
        let base = ana.version(t0)
        _ = try await server.push(ana.push([ana.change(IDs.anna, "tier", .text("premium"), at: t0 + 10, base: base)]))
        let collided = try await server.push(
            sue.push([sue.change(IDs.anna, "tier", .text("private"), at: t0 + 20, base: base)]))
        try #require(try collided.decode(PushResponse.self).conflicts == 1)
    }

    @Test(
        "a manager of another branch, a manager of the same branch and a foreign supervisor see nothing of Ana's, on any endpoint",
        arguments: ["zoe", "ben", "sol"])
    func foreignCallerSeesNothing(_ caller: String) async throws {
        try await withTestServer { server in
            try await anaBook(server)
            let before = try await server.store.digest()
            var bodies: [String] = []
            func get(_ path: String) async throws -> TestServer.Answer {
                let answer = try await server.request(.GET, path, as: caller)
                bodies.append(String(decoding: answer.body, as: UTF8.self))
                return answer
            }
            let page = try await get(SyncAPI.pull).decode(PullResponse.self)
            #expect(page.changeSet.changes.isEmpty && page.removed.isEmpty)
            let digest = try await get(SyncAPI.digest).decode(DigestResponse.self)
            #expect(digest.rows == 0 && digest.digest == ContentDigest().finalize())
            #expect(
                try await get(SyncAPI.conflicts + "?status=all").decode(ConflictListResponse.self).conflicts.isEmpty)
            #expect(try await get(SyncAPI.conflict(1)).status == 404)
            #expect(try await get(SyncAPI.metrics).status == 403)
            #expect(try await get(SyncAPI.report + "?branch=north").status == 403)
            let settle = try await server.request(
                .POST, SyncAPI.settle(1), body: Data(#"{"value":"standard"}"#.utf8), as: caller)
            #expect(settle.status == 404 && settle.error?.code == .unknownConflict, "\(settle)")
            let reassign = try await server.request(
                .POST, SyncAPI.reassign(IDs.anna), body: Data(#"{"to":"\#(caller)"}"#.utf8), as: caller)
            #expect([403, 404].contains(reassign.status), "\(reassign)")

            // Pushes to Ana's records are refused one by one, revealing nothing of what the service holds.
            let intruder = Writer(0xF, caller)
            let push = try await server.push(
                intruder.push([
                    intruder.change(IDs.anna, "tier", .text("standard"), at: t0 + 30),
                    intruder.change(IDs.customer(11), "summary", .text("x"), at: t0 + 30, table: "interactions"),
                    intruder.change(IDs.customer(20), "customer_id", .text(IDs.anna), at: t0 + 30, table: "tasks"),
                    intruder.change(IDs.customer(20), "kind", .text("other"), at: t0 + 30, table: "tasks"),
                    intruder.change(IDs.customer(20), "title", .text("t"), at: t0 + 30, table: "tasks"),
                    intruder.change(IDs.customer(20), "due_date", .text("2026-12-01"), at: t0 + 30, table: "tasks"),
                    intruder.change(IDs.customer(20), "status", .text("open"), at: t0 + 30, table: "tasks"),
                ]))
            let pushed = try push.decode(PushResponse.self)
            #expect(
                pushed.accepted == 0 && pushed.rejected.count == 7
                    && pushed.rejected.allSatisfy { $0.code == .forbidden })
            #expect(pushed.rejected.allSatisfy { $0.current == nil })
            bodies.append(String(decoding: push.body, as: UTF8.self))
            #expect(try await server.store.digest() == before)
            for body in bodies {
                for secret in ["Anna Keller", "premium", "private", "World Fund", "Call Anna"] {
                    #expect(!body.contains(secret), "\(caller) saw \(secret): \(body)")
                }
            }
        }
    }

    @Test(
        "Ana sees her customer and its records; her supervisor sees the branch; the admin everything, metrics included")
    func scopesByRole() async throws {
        try await withTestServer { server in
            try await anaBook(server)
            let zoe = Writer(0xC, "zoe")
            _ = try await server.push(zoe.push(zoe.newCustomer(IDs.bruno, name: "Bruno South", at: t0)))
            for (caller, rows) in [("ana", 4), ("sue", 4), ("zoe", 1), ("sol", 1), ("root", 5)] {
                let page = try await server.request(.GET, SyncAPI.pull, as: caller).decode(PullResponse.self)
                #expect(page.changeSet.rowRuns.count == rows, "\(caller)")
                let digest = try await server.request(.GET, SyncAPI.digest, as: caller).decode(DigestResponse.self)
                #expect(digest.rows == rows, "\(caller)")
            }
            for caller in ["ana", "sue", "root"] {
                let conflicts = try await server.request(.GET, SyncAPI.conflicts, as: caller).decode(
                    ConflictListResponse.self)
                #expect(conflicts.conflicts.count == 1, "\(caller)")
            }
            let metrics = try await server.request(.GET, SyncAPI.metrics, as: "root")
            #expect(metrics.status == 200)
            let text = String(decoding: metrics.body, as: UTF8.self)
            #expect(text.contains("fieldsync_changes_accepted_total") && !text.contains("Anna"))
        }
    }

    @Test("a new customer: a manager owns it herself; a supervisor may name a manager of her branch; an admin anyone")
    func newCustomerOwners() async throws {
        try await withTestServer { server in
            func create(_ writer: Writer, owner: String, _ number: Int) async throws -> PushResponse {
                let id = IDs.customer(number)
                return try await server.push(
                    writer.push([
                        writer.change(id, "owner", .text(owner), at: t0),
                        writer.change(id, "full_name", .text("N"), at: t0),
                    ])
                ).decode(PushResponse.self)
            }
            let root = Writer(0x7, "root")
            #expect(try await create(ana, owner: "ana", 1).accepted == 2)
            #expect(try await create(ana, owner: "ben", 2).rejected.map(\.code) == [.forbidden, .forbidden])
            #expect(try await create(sue, owner: "ben", 3).accepted == 2)
            #expect(try await create(sue, owner: "zoe", 4).rejected.count == 2)
            #expect(try await create(root, owner: "zoe", 5).accepted == 2)
            #expect(
                try await create(root, owner: "nobody", 6).rejected.first?.message.contains("no manager nobody") == true
            )
            // No owner at all.
            let ownerless = try await server.push(
                ana.push([ana.change(IDs.customer(7), "full_name", .text("N"), at: t0)]))
            #expect(try ownerless.decode(PushResponse.self).rejected.first?.message.contains("owner") == true)
            // A manager cannot give her customer away by editing its owner.
            let giveAway = try await server.push(
                ana.push([ana.change(IDs.customer(1), "owner", .text("ben"), at: t0 + 5)]))
            #expect(try giveAway.decode(PushResponse.self).rejected.first?.message.contains("reassign") == true)
            // A push naming another manager than the token's.
            let misnamed = try await server.request(.POST, SyncAPI.push, body: WireJSON.encode(ana.push([])), as: "ben")
            #expect(misnamed.status == 403 && misnamed.error?.code == .forbidden)
        }
    }

    @Test("a device set up for one manager with another's token: its pull and digest are refused (403), as its push is")
    func pullAndDigestNamingAnotherManager() async throws {
        try await withTestServer { server in
            try await anaBook(server)
            for path in [SyncAPI.pull + "?after=0&manager=ben", SyncAPI.digest + "?manager=ben"] {
                let refused = try await server.request(.GET, path, as: "ana")
                #expect(refused.status == 403 && refused.error?.code == .forbidden, "\(path): \(refused)")
                #expect(refused.error?.message.contains("set up for manager ben, but the token is ana's") == true)
                #expect(!String(decoding: refused.body, as: UTF8.self).contains("Anna"))
            }
            for path in [SyncAPI.pull + "?after=0&manager=ana", SyncAPI.digest + "?manager=ana"] {
                #expect(try await server.request(.GET, path, as: "ana").status == 200, "\(path)")
            }
        }
    }

    @Test(
        "a new record comes with its required fields or not at all: each of its changes is refused, with what is missing"
    )
    func newRecordNeedsRequiredFields() async throws {
        try await withTestServer { server in
            let held = IDs.customer(5)
            let holding = [
                ana.change(held, "owner", .text("ana"), at: t0), ana.change(held, "full_name", .text("N"), at: t0),
            ]
            #expect(try await server.push(ana.push(holding)).decode(PushResponse.self).accepted == 2)
            let before = try await server.store.digest()
            let nameless = [ana.change(IDs.customer(1), "owner", .text("ana"), at: t0)]
            let visitWithoutChannel = [
                ana.change(IDs.customer(2), "customer_id", .text(held), at: t0, table: "interactions"),
                ana.change(
                    IDs.customer(2), "occurred_at", .text("2026-11-18T09:00:00Z"), at: t0, table: "interactions"),
            ]
            // Complete, but for the customer refused in the same push: it has no customer to join.
            let orphanTask = [
                ana.change(IDs.customer(3), "customer_id", .text(IDs.customer(1)), at: t0, table: "tasks"),
                ana.change(IDs.customer(3), "kind", .text("call_back"), at: t0, table: "tasks"),
                ana.change(IDs.customer(3), "title", .text("Call"), at: t0, table: "tasks"),
                ana.change(IDs.customer(3), "due_date", .text("2026-11-01"), at: t0, table: "tasks"),
                ana.change(IDs.customer(3), "status", .text("open"), at: t0, table: "tasks"),
            ]
            let pushed = try await server.push(ana.push(nameless + visitWithoutChannel + orphanTask)).decode(
                PushResponse.self)
            #expect(pushed.accepted == 0 && pushed.rejected.count == 8, "\(pushed)")
            #expect(pushed.rejected.filter { $0.field.table == "tasks" }.allSatisfy { $0.code == .forbidden })
            #expect(pushed.rejected.filter { $0.field.table != "tasks" }.allSatisfy { $0.code == .requiredField })
            let customer = try #require(pushed.rejected.first { $0.field.table == "customers" })
            #expect(customer.message.contains("a new customers record needs full_name"), "\(customer.message)")
            let visit = try #require(pushed.rejected.first { $0.field.table == "interactions" })
            #expect(
                visit.message.contains("needs channel") && !visit.message.contains("customer_id"), "\(visit.message)")
            #expect(try await server.store.digest() == before)
            // Complete, the same record is taken.
            let complete = nameless + [ana.change(IDs.customer(1), "full_name", .text("N"), at: t0)]
            #expect(try await server.push(ana.push(complete)).decode(PushResponse.self).accepted == 2)
        }
    }
}
