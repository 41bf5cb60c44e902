import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("fieldsync and fieldsync-server end to end")
struct ServerSyncTests {
    /// A server, and the replicas of Ana and of Bruno, her supervisor (or of `second`), set up to sync with it.
    func twoDevices(second: String = "bruno") async throws -> (Sandbox, ServerProcess, ana: String, other: String) {
        let sandbox = try Sandbox()
        let server = try await ServerProcess(in: sandbox.directory)
        let (ana, other) = (sandbox.replica, sandbox.path("\(second).db"))
        try await sandbox.succeed(
            "init", "--manager", "ana", "--server", server.url, "--token", server.tokens["ana"]!, on: ana)
        try await sandbox.succeed(
            "init", "--manager", second, "--server", server.url, "--token", server.tokens[second]!, on: other)
        return (sandbox, server, ana, other)
    }

    @Test(
        "a manager and her supervisor, one customer: different-field edits survive, the shared field is one conflict, settled, digests equal the service's"
    )
    func visitDay() async throws {
        let (sandbox, server, ana, bruno) = try await twoDevices()
        let id = try await sandbox.addCustomer("Maria Costa", "phone=+351 1", "city=Lisbon", "tier=standard")
        _ = try await sandbox.json("sync", on: ana)
        let first = try await sandbox.json("sync", on: bruno)
        #expect(first["pull"]?["rows"]?.int == 1 && first["push"]?["sent"]?.int == 0, "\(first)")

        try await sandbox.succeed("customer", "edit", id, "phone=+351 2", "tier=premium", on: ana)
        try await sandbox.succeed("customer", "edit", id, "city=Porto", "tier=private", on: bruno)
        _ = try await sandbox.json("sync", on: ana)
        let collided = try await sandbox.json("sync", on: bruno)
        #expect(
            collided["push"]?["conflicts_recorded"]?.int == 1 && collided["open_conflicts"]?.int == 1, "\(collided)")
        _ = try await sandbox.json("sync", on: ana)
        for replica in [ana, bruno] {
            let record = try await sandbox.record("customers", id, on: replica)
            #expect(record["phone"] == "+351 2" && record["city"] == "Porto", "\(record)")
        }

        let conflicts = try await sandbox.json("conflicts", "list", on: ana)
        let list = try #require(conflicts.array, "\(conflicts)")
        try #require(list.count == 1, "\(conflicts)")
        let conflictID = try #require(list[0]["id"]?.int)
        let shown = try await sandbox.run(["conflicts", "show", String(conflictID), "--replica", ana])
        #expect(shown.stdout.contains("premium") && shown.stdout.contains("private"), "\(shown)")

        #expect(try await sandbox.json("status", on: ana)["open_conflicts"]?.int == 1)
        try await sandbox.succeed("conflicts", "settle", String(conflictID), "--keep", "mine", on: ana)
        // Settled here: status no longer shows it open, without waiting for the next sync.
        #expect(try await sandbox.json("status", on: ana)["open_conflicts"]?.int == 0)
        _ = try await sandbox.json("sync", on: bruno)
        let settled = try await sandbox.record("customers", id, on: bruno)
        #expect(settled["tier"] == "premium")
        for replica in [ana, bruno] {
            let compared = try await sandbox.json("digest", "--compare", on: replica)
            #expect(compared["in_sync"] == .bool(true), "\(compared)")
        }

        let (status, log) = try await server.stop()
        #expect(status == 0, "\(log)")
        // Logs carry routes, statuses and counts, never customers' data.
        for value in ["Maria", "+351", "Lisbon", "Porto", "premium", "private"] {
            #expect(!log.contains(value), "the server log contains \(value)")
        }
    }

    @Test("a pull killed mid-way (SIGKILL) resumes from the last page it committed")
    func killedPullResumes() async throws {
        let (sandbox, server, ana, bruno) = try await twoDevices()
        // 3,000 customers written by another program: captured, then pushed.
        let inserted = try await sandbox.sqlite(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
            INSERT INTO customers(id, owner, full_name) SELECT printf('%08x-0000-4000-8000-%012x', i, i), 'ana', 'C' || i FROM n;
            """, on: ana)
        try #require(inserted.exitCode == 0, "\(inserted)")
        let pushed = try await sandbox.json("push", on: ana)
        try #require(pushed["accepted"]?.int == 9000, "\(pushed)")

        // Bruno pulls 5 rows a page; the process is killed once some pages are in.
        let pull = try SpawnedProcess(
            try FieldSyncExecutable.url().path, ["pull", "--page-size", "5", "--replica", bruno],
            environment: sandbox.environment())
        var stored = 0
        while pull.isRunning, stored < 500 {
            try await Task.sleep(for: .milliseconds(10))
            stored = try sandbox.rowCount("customers", on: bruno)
        }
        pull.signal(SIGKILL)
        let ending = await pull.waitUntilExit()
        try #require(ending.signal != nil, "the pull finished before it could be killed")
        let kept = try await sandbox.json("status", on: bruno)
        let countAfterKill = try await sandbox.sqlite("SELECT count(*) FROM customers", on: bruno)
        let held = Int(countAfterKill.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(held >= 500 && held < 3000, "\(kept)")

        // The next pull asks only for what is missing.
        let resumed = try await sandbox.json("pull", on: bruno)
        #expect(resumed["rows"]?.int == Int64(3000 - held), "\(resumed)")
        let compared = try await sandbox.json("digest", "--compare", on: bruno)
        #expect(compared["in_sync"] == .bool(true), "\(compared)")
        try await server.stop()
    }

    /// Runs each command on `device` and expects it refused: the device is set up for `manager`, its token is `other`'s.
    func expectRefused(
        _ commands: [[String]], on device: String, setUpFor manager: String, tokenOf other: String, in sandbox: Sandbox
    ) async throws {
        for command in commands {
            let result = try await sandbox.run(command + ["--replica", device])
            #expect(result.exitCode == 1, "\(command): \(result)")
            #expect(
                result.stderr.contains("set up for manager \(manager), but the token is \(other)'s")
                    && result.stderr.hasSuffix("[forbidden]\n"), "\(command): \(result)")
        }
    }

    @Test(
        "a device set up for one manager with another's token: pull, sync and digest --compare are refused, and it takes in nothing"
    )
    func anotherManagersToken() async throws {
        let (sandbox, server, ana, _) = try await twoDevices()
        _ = try await sandbox.addCustomer("Maria Costa", on: ana)
        _ = try await sandbox.json("sync", on: ana)
        let wrong = sandbox.path("wrong.db")
        try await sandbox.succeed(
            "init", "--manager", "bruno", "--server", server.url, "--token", server.tokens["ana"]!, on: wrong)
        try await expectRefused(
            [["pull"], ["sync"], ["digest", "--compare"]], on: wrong, setUpFor: "bruno", tokenOf: "ana", in: sandbox)
        let held = try await sandbox.sqlite("SELECT count(*) FROM customers", on: wrong)
        #expect(held.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(held)")
        try await server.stop()
    }

    @Test(
        "a device created without a manager syncs as the manager of its first token: a colleague's token is then refused, and nothing is sent or taken in"
    )
    func unnamedDeviceKeepsItsFirstManager() async throws {
        let (sandbox, server, _, carla) = try await twoDevices(second: "carla")
        _ = try await sandbox.addCustomer("Rui Lopes", on: carla)
        _ = try await sandbox.json("sync", on: carla)
        let device = sandbox.path("unnamed.db")
        try await sandbox.succeed("init", "--server", server.url, "--token", server.tokens["ana"]!, on: device)
        let mine = try await sandbox.addCustomer("Maria Costa", "--owner", "ana", on: device)
        _ = try await sandbox.json("sync", on: device)
        let status = try await sandbox.json("status", on: device)
        #expect(status["manager"] == .null && status["syncs_as"]?.string == "ana", "\(status)")
        // What she records from now on is hers, as on a device set up with her id.
        let next = try await sandbox.addCustomer("Rui Costa", on: device)
        #expect(try await sandbox.record("customers", next, on: device)["owner"]?.string == "ana")
        let visit = try await sandbox.succeed("visit", "log", next, "--summary", "first", on: device).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await sandbox.record("interactions", visit, on: device)["author"]?.string == "ana")
        _ = try await sandbox.json("sync", on: device)

        try await sandbox.succeed("config", "set", "token", server.tokens["carla"]!, on: device)
        try await sandbox.succeed("customer", "edit", mine, "city=Porto", on: device)
        try await expectRefused(
            [["push"], ["pull"], ["sync"], ["digest", "--compare"]], on: device, setUpFor: "ana", tokenOf: "carla",
            in: sandbox)
        let held = try await sandbox.sqlite("SELECT count(*) FROM customers", on: device)
        #expect(held.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(held)")
        #expect(try await sandbox.json("status", on: device)["pending_changes"]?.int == 1)

        try await sandbox.succeed("config", "set", "token", server.tokens["ana"]!, on: device)
        let synced = try await sandbox.json("sync", on: device)
        #expect(synced["push"]?["accepted"]?.int == 1, "\(synced)")
        let compared = try await sandbox.json("digest", "--compare", on: device)
        #expect(compared["in_sync"] == .bool(true), "\(compared)")

        // The data here is Ana's: a new address of the service does not unbind the device.
        try await sandbox.succeed("config", "set", "server", "http://127.0.0.1:9", on: device)
        try await sandbox.succeed("config", "set", "server", server.url, on: device)
        try await sandbox.succeed("config", "set", "token", server.tokens["carla"]!, on: device)
        #expect(try await sandbox.json("status", on: device)["syncs_as"]?.string == "ana")
        let refused = try await sandbox.run(["sync", "--replica", device])
        #expect(refused.exitCode == 1 && refused.stderr.hasSuffix("[forbidden]\n"), "\(refused)")
        try await server.stop()
    }

    @Test("an edit of a customer deleted meanwhile: conflicts show says the edit is kept but hidden, and how to bring it back")
    func editOnDeletedShown() async throws {
        let (sandbox, server, ana, bruno) = try await twoDevices()
        let id = try await sandbox.addCustomer("Maria Costa", "city=Lisbon", on: ana)
        _ = try await sandbox.json("sync", on: ana)
        _ = try await sandbox.json("sync", on: bruno)
        try await sandbox.succeed("record", "delete", "customers", id, on: ana)
        try await sandbox.succeed("customer", "edit", id, "city=Porto", on: bruno)
        _ = try await sandbox.json("sync", on: ana)
        let collided = try await sandbox.json("sync", on: bruno)
        #expect(collided["push"]?["conflicts_recorded"]?.int == 1, "\(collided)")
        let conflict = try #require(try await sandbox.json("conflicts", "list", on: bruno).array?.first)
        let shown = try await sandbox.succeed("conflicts", "show", String(try #require(conflict["id"]?.int)), on: bruno)
        #expect(shown.stdout.contains("Mine:      city = Porto"), "\(shown)")
        #expect(shown.stdout.contains("kept, but hidden while the record is deleted"), "\(shown)")
        #expect(shown.stdout.contains("brings the record back"), "\(shown)")
        let conflictID = String(try #require(conflict["id"]?.int))
        try await sandbox.succeed("conflicts", "settle", conflictID, "--keep", "mine", on: bruno)
        let settled = try await sandbox.succeed("conflicts", "show", conflictID, on: bruno)
        #expect(!settled.stdout.contains("the record is deleted") && !settled.stdout.contains("hidden"), "\(settled)")
        #expect(try await sandbox.record("customers", id, on: bruno)["city"] == "Porto")
        _ = try await server.stop()
    }

    @Test(
        "a new customer refused for its owner: digest --compare points to the rejected list, and setting the owner sends the whole customer and its visit"
    )
    func refusedCustomerFixedByItsOwner() async throws {
        let (sandbox, server, ana, bruno) = try await twoDevices()
        let id = try await sandbox.addCustomer("Maria Costa", "--owner", "bruno", on: ana)
        let visit = try await sandbox.succeed("visit", "log", id, "--summary", "first visit", on: ana).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let refused = try await sandbox.json("sync", on: ana)
        let visitFields = try #require(refused["push"]?["rejected"]?.int).advanced(by: -3)
        #expect(visitFields > 0 && refused["push"]?["accepted"]?.int == 0, "\(refused)")
        let compared = try await sandbox.fieldsync("digest", "--compare", on: ana)
        #expect(compared.exitCode == 1, "\(compared)")
        #expect(
            compared.stdout.contains("\(3 + visitFields) change(s) the service refused wait on this device"),
            "\(compared)")

        // Another edit of the customer leaves the visit's refusals as they are (the customer is still refused).
        func visitRefusals() async throws -> [Int64] {
            try #require(try await sandbox.json("rejected", "list", on: ana).array)
                .filter { $0["table"] == "interactions" }.compactMap { $0["id"]?.int }
        }
        let before = try await visitRefusals()
        try await sandbox.succeed("customer", "edit", id, "phone=+351 9", on: ana)
        _ = try await sandbox.json("sync", on: ana)
        #expect(try await visitRefusals() == before && before.count == visitFields)

        // Setting the owner sends the customer again, and the visit refused with it.
        try await sandbox.succeed("record", "set", "customers", id, "owner=ana", on: ana)
        let taken = try await sandbox.json("sync", on: ana)
        #expect(
            taken["push"]?["accepted"]?.int == 4 + visitFields && taken["push"]?["rejected"]?.int == 0, "\(taken)")
        _ = try await sandbox.json("sync", on: bruno)
        #expect(try await sandbox.record("customers", id, on: bruno)["full_name"] == "Maria Costa")
        #expect(try await sandbox.record("interactions", visit, on: bruno)["summary"] == "first visit")
        for replica in [ana, bruno] {
            #expect(try await sandbox.json("digest", "--compare", on: replica)["in_sync"] == .bool(true))
        }
        try await server.stop()
    }

    @Test(
        "serve refuses a port, a body limit or a clock bound out of range as a usage error, and says so with a code when its port is taken"
    )
    func servePortErrors() async throws {
        let sandbox = try Sandbox()
        let server = try await ServerProcess(in: sandbox.directory)
        let port = try #require(server.url.split(separator: ":").last.map(String.init))
        for (arguments, exitCode, ending) in [
            (["--port", "99999"], Int32(64), "(0: any free port), not 99999"),
            (["--max-body-bytes=-5"], 64, "from 1024 to 1073741824 (1 GiB), not -5"),
            (
                ["--idle-timeout", "60"], 64,
                "--idle-timeout must be from 61 seconds (above the client's 60) to 86400, not 60"
            ),
            (["--max-connections", "0"], 64, "--max-connections must be at least 1, not 0"),
            (
                ["--max-clock-ahead", "18446744073709551"], 64,
                "--max-clock-ahead must be from 1 to 86400 seconds (a day), not 18446744073709551"
            ),
            (["--port", port], 1, "address already in use; stop what listens there, or choose another --port [io]"),
        ] {
            let result = try await ChildProcess.run(
                try FieldSyncExecutable.serverURL(), ["serve", "--data", sandbox.path("other.db")] + arguments,
                environment: sandbox.environment(), in: sandbox.directory)
            #expect(result.exitCode == exitCode && result.stderr.contains(ending), "\(arguments): \(result)")
        }
        try await server.stop()
    }

    @Test("--open is gone: the server refuses it and says how to set up tokens")
    func refusesOpenMode() async throws {
        let sandbox = try Sandbox()
        let result = try await ChildProcess.run(
            try FieldSyncExecutable.serverURL(), ["serve", "--open", "--port", "0", "--data", sandbox.path("c.db")],
            environment: sandbox.environment(), in: sandbox.directory)
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("token issue") && result.stderr.hasSuffix("[bad_argument]\n"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("c.db")))
    }
}
