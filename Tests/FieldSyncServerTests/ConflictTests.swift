import FieldSyncCore
import FieldSyncProtocol
import FieldSyncTestSupport
import Testing

@Suite("Conflicts: detected with bases, recorded once, the same whichever edit arrives first")
struct ConflictTests {
    let creator = Writer(0x1, "ana")
    let ana = Writer(0xA, "ana")
    let ben = Writer(0xB, "sue")  // Ana's supervisor: she sees Ana's customers

    /// Both arrival orders of two concurrent edits of one field, on fresh servers.
    func bothOrders(
        _ first: [FieldChange], _ second: [FieldChange], by writers: (Writer, Writer)
    ) async throws -> [(conflicts: [Conflict], digest: String)] {
        var results: [(conflicts: [Conflict], digest: String)] = []
        for order in [(first, writers.0, second, writers.1), (second, writers.1, first, writers.0)] {
            let result = try await withTestServer(clock: ManualWallClock(t0 + 60_000)) { server in
                _ = try await server.push(creator.push(creator.newCustomer(IDs.anna, name: "Anna", at: t0)))
                // Both writers pulled the new customer (transaction 1) before editing.
                let pulled = PullCursor(seq: 1)
                let one = try await server.push(order.1.push(order.0, cursor: pulled)).decode(PushResponse.self)
                let two = try await server.push(order.3.push(order.2, cursor: pulled)).decode(PushResponse.self)
                #expect(one.rejected.isEmpty && two.rejected.isEmpty)
                #expect(one.conflicts == 0)
                #expect(two.conflicts == 1)
                // Re-sending either side records nothing new.
                let again = try await server.push(order.1.push(order.0, cursor: pulled)).decode(PushResponse.self)
                #expect(again.conflicts == 0)
                let conflicts = try await server.request(.GET, "/v1/conflicts?status=all")
                    .decode(ConflictListResponse.self).conflicts.map(\.conflict)
                let digest = try await server.request(.GET, "/v1/digest").decode(DigestResponse.self).digest
                return (conflicts, digest)
            }
            results.append(result)
        }
        return results
    }

    @Test("two edits of one field from the same base: one conflict, the same winner in both orders")
    func fieldConflictSymmetry() async throws {
        let base = creator.version(t0)
        let results = try await bothOrders(
            [
                ana.change(IDs.anna, "phone", .text("+41 1"), at: t0 + 10, base: nil),
                ana.change(IDs.anna, "full_name", .text("Anna A."), at: t0 + 10, base: base),
            ],
            [ben.change(IDs.anna, "full_name", .text("Anna B."), at: t0 + 20, base: base)],
            by: (ana, ben))
        for (conflicts, _) in results {
            try #require(conflicts.count == 1)
            let conflict = conflicts[0]
            #expect(conflict.kind == .field && conflict.table == "customers" && conflict.column == "full_name")
            #expect(conflict.sides.map(\.value) == [.text("Anna A."), .text("Anna B.")])
            #expect(conflict.sides.map(\.manager) == ["ana", "sue"])
            #expect(conflict.sides.map(\.replica) == [ana.replica, ben.replica])
            #expect(conflict.winner.version == ben.version(t0 + 20))
            #expect(conflict.detectedAtMillis == t0 + 60_000)
        }
        #expect(results[0].digest == results[1].digest)
        #expect(results[0].conflicts[0].sides == results[1].conflicts[0].sides)
    }

    @Test("an edit and a delete made without seeing each other: one edit_on_deleted conflict in both orders")
    func editOnDeletedSymmetry() async throws {
        let base = creator.version(t0)
        let results = try await bothOrders(
            [ana.change(IDs.anna, "deleted", .integer(1), at: t0 + 10, base: base)],
            [ben.change(IDs.anna, "phone", .text("+41 2"), at: t0 + 20, base: nil)],
            by: (ana, ben))
        for (conflicts, _) in results {
            try #require(conflicts.count == 1)
            #expect(conflicts[0].kind == .editOnDeleted && conflicts[0].column == "phone")
            #expect(conflicts[0].sides.map(\.column) == ["deleted", "phone"])
            #expect(conflicts[0].sides.map(\.value) == [.integer(1), .text("+41 2")])
        }
        #expect(results[0].digest == results[1].digest)
    }

    @Test("an edit based on what the service holds, or a replica's own second edit, is no conflict")
    func noFalseConflicts() async throws {
        try await withTestServer(clock: ManualWallClock(t0 + 60_000)) { server in
            _ = try await server.push(creator.push(creator.newCustomer(IDs.anna, name: "Anna", at: t0)))
            let first = ana.change(IDs.anna, "full_name", .text("Anna A."), at: t0 + 10, base: creator.version(t0))
            #expect(try await server.push(ana.push([first])).decode(PushResponse.self).conflicts == 0)
            // Ben pulled Ana's edit: his base is her version.
            let seen = ben.change(IDs.anna, "full_name", .text("Anna B."), at: t0 + 20, base: first.version)
            #expect(try await server.push(ben.push([seen])).decode(PushResponse.self).conflicts == 0)
            // Ben edits again before his first push was acknowledged: same (stale) base, his own version held.
            let again = ben.change(IDs.anna, "full_name", .text("Anna C."), at: t0 + 30, base: first.version)
            #expect(try await server.push(ben.push([again])).decode(PushResponse.self).conflicts == 0)
            let list = try await server.request(.GET, "/v1/conflicts?status=all").decode(ConflictListResponse.self)
            #expect(list.conflicts.isEmpty)
        }
    }

    @Test(
        "a delete made after pulling an edit of another field is no conflict; one made before is; one whose cursor is ahead of the service (its data replaced since) saw nothing"
    )
    func deleteAfterSeeingAnEdit() async throws {
        // Pulled through 99: as if it had never pulled, every field another replica wrote
        // (the edited phone, the created owner and full name) is an edit it may not have seen.
        for (pulledThrough, conflicts) in [(2, 0), (1, 1), (99, 3)] {
            try await withTestServer(clock: ManualWallClock(t0 + 60_000)) { server in
                _ = try await server.push(creator.push(creator.newCustomer(IDs.anna, name: "Anna", at: t0)))
                let edit = ben.change(IDs.anna, "phone", .text("+41 2"), at: t0 + 10, base: nil)
                _ = try await server.push(ben.push([edit], cursor: PullCursor(seq: 1)))  // transaction 2
                let delete = ana.change(IDs.anna, "deleted", .integer(1), at: t0 + 20, base: creator.version(t0))
                let pushed = try await server.push(ana.push([delete], cursor: PullCursor(seq: Int64(pulledThrough))))
                    .decode(PushResponse.self)
                #expect(pushed.rejected.isEmpty)
                #expect(pushed.conflicts == conflicts, "Ana pulled through transaction \(pulledThrough)")
            }
        }
    }

    @Test("settling writes the kept or a new value as a fresh change, once")
    func settle() async throws {
        try await withTestServer(clock: ManualWallClock(t0 + 60_000)) { server in
            let base = creator.version(t0)
            _ = try await server.push(creator.push(creator.newCustomer(IDs.anna, name: "Anna", at: t0)))
            _ = try await server.push(
                ana.push([ana.change(IDs.anna, "full_name", .text("Anna A."), at: t0 + 10, base: base)]))
            _ = try await server.push(
                ben.push([ben.change(IDs.anna, "full_name", .text("Anna B."), at: t0 + 20, base: base)]))
            let conflict = try #require(
                try await server.request(.GET, "/v1/conflicts").decode(ConflictListResponse.self).conflicts.first?
                    .conflict)

            let unknownSide = try await server.request(
                .POST, "/v1/conflicts/\(conflict.id)/settle",
                body: WireJSON.encode(SettleRequest(resolution: .keep(creator.version(t0)))), as: "sue")
            #expect(unknownSide.status == 400 && unknownSide.error?.code == .badArgument)

            let keep = ana.version(t0 + 10)
            let settled = try await server.request(
                .POST, "/v1/conflicts/\(conflict.id)/settle",
                body: WireJSON.encode(SettleRequest(resolution: .keep(keep))), as: "sue")
            try #require(settled.status == 200, "\(settled)")
            let document = try settled.decode(ConflictDocument.self).conflict
            #expect(document.status == .settled && document.settlement?.by == "sue")
            let settledVersion = try #require(document.settlement?.version)
            #expect(settledVersion > ben.version(t0 + 20))

            // The kept value is now the current one, under the settling version.
            let page = try await server.request(.GET, "/v1/pull").decode(PullResponse.self)
            let name = try #require(page.changeSet.changes.first { $0.column == "full_name" })
            #expect(name.value == .text("Anna A.") && name.version == settledVersion)

            let twice = try await server.request(
                .POST, "/v1/conflicts/\(conflict.id)/settle",
                body: WireJSON.encode(SettleRequest(resolution: .value(.text("Anna Z.")))), as: "sue")
            #expect(twice.status == 409 && twice.error?.code == .alreadySettled)
            let missing = try await server.request(.GET, "/v1/conflicts/999")
            #expect(missing.status == 404 && missing.error?.code == .unknownConflict)
            #expect(try await server.request(.GET, "/v1/conflicts").decode(ConflictListResponse.self).conflicts.isEmpty)
        }
    }

    @Test(
        "settling a conflict on a record's customer: one the service does not hold is 400 missing_reference; another branch's, 403 forbidden"
    )
    func settleNamesMissingCustomer() async throws {
        try await withTestServer(clock: ManualWallClock(t0 + 60_000)) { server in
            let visit = "c0ffee00-0000-4000-8000-00000000f001"
            let base = creator.version(t0)
            let customers = [IDs.anna, IDs.bruno, IDs.customer(3)].flatMap {
                creator.newCustomer($0, name: "C", at: t0)
            }
            let south = Writer(0x5, "zoe")
            _ = try await server.push(south.push(south.newCustomer(IDs.customer(4), name: "Z", at: t0)))
            let interaction = [
                ("customer_id", Value.text(IDs.anna)), ("channel", .text("visit")),
                ("occurred_at", .text("2025-10-09T10:00:00Z")), ("deleted", .integer(0)),
            ].map { creator.change(visit, $0.0, $0.1, at: t0, table: "interactions") }
            _ = try await server.push(creator.push(customers + interaction))
            _ = try await server.push(
                ana.push([
                    ana.change(visit, "customer_id", .text(IDs.bruno), at: t0 + 10, base: base, table: "interactions")
                ]))
            _ = try await server.push(
                ben.push([
                    ben.change(
                        visit, "customer_id", .text(IDs.customer(3)), at: t0 + 20, base: base, table: "interactions")
                ]))
            let conflict = try #require(
                try await server.request(.GET, "/v1/conflicts").decode(ConflictListResponse.self).conflicts.first?
                    .conflict)
            #expect(conflict.table == "interactions" && conflict.column == "customer_id")

            let nowhere = try await server.request(
                .POST, "/v1/conflicts/\(conflict.id)/settle",
                body: WireJSON.encode(SettleRequest(resolution: .value(.text(IDs.customer(999))))))
            #expect(nowhere.status == 400 && nowhere.error?.code == .missingReference, "\(nowhere)")
            let otherBranch = try await server.request(
                .POST, "/v1/conflicts/\(conflict.id)/settle",
                body: WireJSON.encode(SettleRequest(resolution: .value(.text(IDs.customer(4))))), as: "sue")
            #expect(otherBranch.status == 403 && otherBranch.error?.code == .forbidden, "\(otherBranch)")
            // Keeping the customer the visit names stands, though that customer was deleted since.
            _ = try await server.push(
                creator.push([creator.change(IDs.customer(3), "deleted", .integer(1), at: t0 + 30, base: base)]))
            let kept = try await server.request(
                .POST, "/v1/conflicts/\(conflict.id)/settle",
                body: WireJSON.encode(SettleRequest(resolution: .keep(ben.version(t0 + 20)))))
            #expect(kept.status == 200, "\(kept)")
        }
    }
}
