import FieldSyncCore
import Foundation
import Testing

/// The server's administration commands, run while the server runs, and the
/// supervisor's reassignment from the `fieldsync` command line.
@Suite("fieldsync-server manager, token, history and report; fieldsync customer reassign")
struct AdministrationTests {
    /// The replicas of Ana, Bruno (her supervisor) and Carla, each set up for `server`.
    func devices(_ sandbox: Sandbox, _ server: ServerProcess) async throws -> (
        ana: String, bruno: String, carla: String
    ) {
        let (ana, bruno, carla) = (sandbox.replica, sandbox.path("bruno.db"), sandbox.path("carla.db"))
        for (replica, manager) in [(ana, "ana"), (bruno, "bruno"), (carla, "carla")] {
            try await sandbox.succeed(
                "init", "--manager", manager, "--server", server.url, "--token", server.tokens[manager]!, on: replica)
        }
        return (ana, bruno, carla)
    }

    @Test(
        "a mistyped --data makes no store: reading commands refuse it, and a device's replica is refused as a store"
    )
    func wrongStorePaths() async throws {
        let sandbox = try Sandbox()
        func server(_ arguments: [String]) async throws -> ProcessResult {
            try await ChildProcess.run(
                try FieldSyncExecutable.serverURL(), arguments, environment: [:], in: sandbox.directory)
        }
        let typo = sandbox.path("typo/centrl.db")
        for command in [["manager", "list"], ["token", "list"], ["report"], ["token", "issue", "ana"]] {
            let refused = try await server(command + ["--data", typo])
            #expect(refused.exitCode == 1 && refused.stderr.contains("no central store at \(typo)"), "\(refused)")
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("typo")))

        try await sandbox.succeed("init", "--manager", "ana")
        let replicaAsStore = [["manager", "list"], ["serve", "--port", "0"]].map { $0 + ["--data", sandbox.replica] }
        for command in replicaAsStore {
            let refused = try await server(command)
            #expect(
                refused.exitCode == 1 && refused.stderr.contains("is a device's replica")
                    && refused.stderr.hasSuffix("[not_a_replica]\n"), "\(refused)")
        }
        let junk = sandbox.path("junk.db")
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: junk))
        let notStore = try await server(["manager", "list", "--data", junk])
        #expect(
            notStore.exitCode == 1 && notStore.stderr.contains("is not a FieldSync central store")
                && !notStore.stderr.contains("fieldsync init"), "\(notStore)")
        let created = try await server(
            ["manager", "add", "ana", "--name", "Ana", "--branch", "north", "--data", sandbox.path("new/central.db")])
        #expect(created.exitCode == 0, "\(created)")
    }

    @Test("--version prints the release; serve refuses a LOG_LEVEL it does not know, naming the levels")
    func versionAndLogLevel() async throws {
        let sandbox = try Sandbox()
        for executable in [try FieldSyncExecutable.url(), try FieldSyncExecutable.serverURL()] {
            let version = try await ChildProcess.run(executable, ["--version"], environment: [:], in: sandbox.directory)
            #expect(version.exitCode == 0 && version.stdout == FieldSyncRelease.version + "\n", "\(version)")
        }
        let serve = try await ChildProcess.run(
            try FieldSyncExecutable.serverURL(), ["serve", "--port", "0", "--data", sandbox.path("central.db")],
            environment: ["LOG_LEVEL": "verbose"], in: sandbox.directory)
        #expect(
            serve.exitCode == 64
                && serve.stderr.contains(
                    "LOG_LEVEL is verbose; it must be one of trace, debug, info, notice, warning, error, critical"),
            "\(serve)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("central.db")))
    }

    @Test("a token revoked with the server running is refused on the next sync; a new one works")
    func revokeWhileRunning() async throws {
        let sandbox = try Sandbox()
        let server = try await ServerProcess(in: sandbox.directory)
        try await sandbox.succeed("init", "--manager", "ana", "--server", server.url, "--token", server.tokens["ana"]!)
        _ = try await sandbox.json("sync")

        let listed = try await server.admin("manager", "list")
        #expect(
            listed.exitCode == 0 && listed.stdout.contains("bruno") && listed.stdout.contains("supervisor"), "\(listed)"
        )
        #expect(!listed.stdout.contains(server.tokens["ana"]!))
        let revoked = try await server.admin("token", "revoke", "ana")
        #expect(revoked.stdout.contains("Revoked 1 token"), "\(revoked)")
        let refused = try await sandbox.fieldsync("sync")
        #expect(refused.exitCode == 1 && refused.stderr.hasSuffix("[unauthorized]\n"), "\(refused)")

        let issued = try await server.admin("token", "issue", "ana")
        let token = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("fst_") && issued.stderr.contains("only time"), "\(issued)")
        try await sandbox.succeed("config", "set", "token", token)
        _ = try await sandbox.json("sync")
        let tokens = try await server.admin("token", "list", "ana")
        #expect(tokens.stdout.split(separator: "\n").count == 3 && !tokens.stdout.contains(token), "\(tokens)")
        let duplicate = try await server.admin("manager", "add", "ana", "--name", "A", "--branch", "north")
        #expect(duplicate.exitCode == 1 && duplicate.stderr.hasSuffix("[manager_exists]\n"), "\(duplicate)")
        try await server.stop()
    }

    @Test(
        "a supervisor reassigns Ana's customer to Carla: Ana's device drops it, Carla's gets it; history and report show it"
    )
    func reassignHistoryReport() async throws {
        let sandbox = try Sandbox()
        let server = try await ServerProcess(in: sandbox.directory)
        let (ana, bruno, carla) = try await devices(sandbox, server)
        let id = try await sandbox.addCustomer("Maria Costa", "phone=+351 1", "tier=standard")
        try await sandbox.succeed("visit", "log", id, "--channel", "visit", "--summary", "Coffee", on: ana)
        _ = try await sandbox.json("sync", on: ana)

        let denied = try await sandbox.fieldsync("customer", "reassign", id, "--to", "carla", on: ana)
        #expect(denied.exitCode == 1 && denied.stderr.hasSuffix("[forbidden]\n"), "\(denied)")
        let moved = try await sandbox.json("customer", "reassign", id, "--to", "carla", on: bruno)
        #expect(
            moved["from"] == .string("ana") && moved["to"] == .string("carla") && moved["records"]?.int == 1, "\(moved)"
        )

        let anaSync = try await sandbox.json("sync", on: ana)
        #expect(anaSync["pull"]?["removed_customers"]?.int == 1, "\(anaSync)")
        #expect(try await sandbox.json("customer", "list", on: ana).array?.isEmpty == true)
        // A new device of Ana's never held the customer: nothing to say was removed.
        let laptop = sandbox.path("ana-laptop.db")
        try await sandbox.succeed(
            "init", "--manager", "ana", "--server", server.url, "--token", server.tokens["ana"]!, on: laptop)
        let first = try await sandbox.json("sync", on: laptop)
        #expect(first["pull"]?["removed_customers"]?.int == 0, "\(first)")
        let carlaSync = try await sandbox.json("sync", on: carla)
        #expect(carlaSync["pull"]?["rows"]?.int == 2, "\(carlaSync)")
        #expect(try await sandbox.record("customers", id, on: carla)["owner"] == .string("carla"))
        for replica in [ana, carla] {
            #expect(try await sandbox.json("digest", "--compare", on: replica)["in_sync"] == .bool(true))
        }

        let history = try await server.admin("history", "customers", id, "owner")
        #expect(history.exitCode == 0, "\(history)")
        let lines = history.stdout.split(separator: "\n").filter { $0.contains("owner") && !$0.hasPrefix("History") }
        #expect(
            lines.count == 2 && lines[1].contains("ana") && lines[1].contains("carla") && lines[1].contains("bruno"),
            "\(history)")
        let unknown = try await server.admin("history", "customers", "c0ffee00-0000-4000-8000-000000000009")
        #expect(unknown.exitCode == 1 && unknown.stderr.hasSuffix("[unknown_record]\n"), "\(unknown)")

        let report = try await server.admin("report", "--branch", "north", "--since", "2020-01-01", "--json")
        let json = try report.json()
        let managers = try #require(json["managers"]?.array, "\(report)")
        #expect(managers.compactMap { $0["manager"]?.string } == ["ana", "bruno", "carla"])
        #expect(managers[0]["visits"]?.int == 1 && managers[0]["customers"]?.int == 0, "\(report)")
        #expect(managers[2]["customers"]?.int == 1 && managers[2]["last_sync"]?.string != nil, "\(report)")
        let text = try await server.admin("report", "--branch", "north")
        #expect(text.stdout.contains("OPEN TASKS") && text.stdout.contains("carla"), "\(text)")

        let (status, log) = try await server.stop()
        #expect(status == 0)
        for value in ["Maria", "+351", "Coffee", "standard"] { #expect(!log.contains(value), "the log holds \(value)") }
    }

    @Test(
        "an edit Ana made after her customer went to Carla: her pull sends it first and says it was rejected; it is kept with its value, to tell Carla; discarding it says the record left"
    )
    func refusedEditOfReassignedCustomer() async throws {
        let sandbox = try Sandbox()
        let server = try await ServerProcess(in: sandbox.directory)
        let (ana, bruno, _) = try await devices(sandbox, server)
        let id = try await sandbox.addCustomer("Maria Costa", "phone=+351 1", on: ana)
        _ = try await sandbox.json("sync", on: ana)
        _ = try await sandbox.json("customer", "reassign", id, "--to", "carla", on: bruno)
        try await sandbox.succeed("customer", "edit", id, "notes=Wants a pension plan; call Tuesday", on: ana)

        // A pull alone sends the unsent edit before removing the customer, and says so.
        let pulled = try await sandbox.json("pull", on: ana)
        #expect(pulled["removed_customers"]?.int == 1, "\(pulled)")
        #expect(pulled["pushed_first"]?["sent"]?.int == 1 && pulled["pushed_first"]?["rejected"]?.int == 1, "\(pulled)")
        let rejected = try #require(try await sandbox.json("rejected", "list", on: ana).array)
        #expect(rejected.count == 1)
        #expect(rejected.first?["value"] == .string("Wants a pension plan; call Tuesday"), "\(rejected)")
        #expect(rejected.first?["code"] == .string("forbidden") && rejected.first?["column"] == .string("notes"))
        let listed = try await sandbox.succeed("rejected", "list", on: ana)
        #expect(listed.stdout.contains("VALUE") && listed.stdout.contains("Wants a pension plan"), "\(listed)")

        let rejectedID = try #require(rejected.first?["id"]?.int)
        let discarded = try await sandbox.succeed("rejected", "discard", String(rejectedID), on: ana)
        #expect(discarded.stdout.contains("the record is not on this device"), "\(discarded)")
        #expect(try await sandbox.json("digest", "--compare", on: ana)["in_sync"] == .bool(true))
        let (status, log) = try await server.stop()
        #expect(status == 0 && !log.contains("pension") && !log.contains("Maria"), "\(log)")
    }

    @Test("a supervisor files Ana's visit under Carla's customer: Ana's sync removes it from her device and says so")
    func moveVisitToAnotherManager() async throws {
        let sandbox = try Sandbox()
        let server = try await ServerProcess(in: sandbox.directory)
        let (ana, bruno, carla) = try await devices(sandbox, server)
        let maria = try await sandbox.addCustomer("Maria Costa", "phone=+351 1", on: ana)
        let visit = try await sandbox.succeed("visit", "log", maria, "--channel", "visit", on: ana).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let joao = try await sandbox.addCustomer("Joao Dias", "phone=+351 2", on: carla)
        for replica in [ana, carla, bruno] { _ = try await sandbox.json("sync", on: replica) }

        try await sandbox.succeed("record", "set", "interactions", visit, "customer_id=\(joao)", on: bruno)
        _ = try await sandbox.json("sync", on: bruno)
        let anaSync = try await sandbox.succeed("sync", on: ana)
        #expect(
            anaSync.stdout.contains("1 visit(s), task(s) or holding(s) were moved to another manager's customer"),
            "\(anaSync)")
        #expect(try await sandbox.json("visit", "list", on: ana).array?.isEmpty == true)
        #expect(try await sandbox.json("sync", on: ana)["pull"]?["removed_records"]?.int == 0)
        _ = try await sandbox.json("sync", on: carla)
        #expect(try await sandbox.record("interactions", visit, on: carla)["customer_id"] == .string(joao))
        for replica in [ana, carla] {
            #expect(try await sandbox.json("digest", "--compare", on: replica)["in_sync"] == .bool(true))
        }
        let (status, log) = try await server.stop()
        #expect(status == 0 && !log.contains("Maria") && !log.contains("Joao"), "\(log)")
    }

    /// It said "back to the service's value" of a field the service never had.
    @Test("discarding a refused field of a customer the service never took: the field is empty again, and says so")
    func discardFieldServiceNeverHad() async throws {
        let sandbox = try Sandbox()
        let server = try await ServerProcess(in: sandbox.directory)
        let (ana, _, _) = try await devices(sandbox, server)
        _ = try await sandbox.addCustomer("Maria Costa", "--owner", "bruno", "phone=+351 1", on: ana)
        let refused = try await sandbox.json("sync", on: ana)
        #expect(refused["push"]?["rejected"]?.int ?? 0 > 1, "\(refused)")
        let rejected = try #require(try await sandbox.json("rejected", "list", on: ana).array)
        let phone = try #require(rejected.first { $0["column"] == .string("phone") }?["id"]?.int, "\(rejected)")
        let discarded = try await sandbox.succeed("rejected", "discard", String(phone), on: ana)
        #expect(discarded.stdout.contains("the field is empty again"), "\(discarded)")
        _ = try await server.stop()
    }
}
