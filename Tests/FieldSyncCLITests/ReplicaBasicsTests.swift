import Foundation
import Testing

@Suite("init, status and digest")
struct ReplicaBasicsTests {
    @Test("init --json reports the path, a 16-hex-digit replica id and the manager")
    func initReportsTheNewReplica() async throws {
        let sandbox = try Sandbox()
        let result = try await sandbox.run(["init", "--manager", "ana.lima", "--json", "--replica", sandbox.replica])
        #expect(result.exitCode == 0, "\(result)")
        let json = try result.json()
        #expect(json.keys == ["path", "replica_id", "manager", "server"])
        #expect(json["server"] == .null)
        #expect(json["path"] == .string(sandbox.replica))
        #expect(json["manager"] == "ana.lima")
        let replicaID = try #require(json["replica_id"]?.string)
        #expect(replicaID.count == 16 && replicaID.allSatisfy(\.isHexDigit))
        #expect(FileManager.default.fileExists(atPath: sandbox.replica))
    }

    @Test("init without --json prints the replica id and the manager")
    func initPrintsForPeople() async throws {
        let sandbox = try Sandbox()
        let result = try await sandbox.succeed("init", "--manager", "ana.lima")
        #expect(result.stdout.contains("Created replica"))
        #expect(result.stdout.contains(sandbox.replica))
        #expect(result.stdout.contains("Manager: ana.lima"))
    }

    @Test("init without a manager records none")
    func initWithoutManager() async throws {
        let sandbox = try Sandbox()
        let json = try await sandbox.json("init")
        #expect(json["manager"] == .null)
        #expect(try await sandbox.json("status")["manager"] == .null)
    }

    @Test("status --json of a new replica: same id, nothing pending, empty tables")
    func statusOfANewReplica() async throws {
        let sandbox = try Sandbox()
        let created = try await sandbox.json("init", "--manager", "ana.lima")
        let status = try await sandbox.json("status")
        #expect(
            status.keys
                == [
                    "path", "replica_id", "manager", "syncs_as", "pending_changes", "change_counter", "records",
                    "refused_outside_edits", "server", "token_set", "rejected_changes", "open_conflicts", "last_sync",
                    "clock_offset_ms",
                ])
        #expect(status["refused_outside_edits"] == .array([]))
        #expect(status["syncs_as"] == .string("ana.lima"))
        #expect(status["replica_id"] == created["replica_id"])
        #expect(status["manager"] == "ana.lima")
        #expect(status["pending_changes"] == 0)
        #expect(status["change_counter"] == 0)
        #expect(status["records"] == .object(["customers": 0, "interactions": 0, "tasks": 0, "holdings": 0]))
    }

    @Test("status counts records and pending field changes, and the change counter moves")
    func statusCountsWhatWasWritten() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let customer = try await sandbox.addCustomer("Ana Silva", "city=Lisbon")
        try await sandbox.succeed("task", "add", customer, "Call back", "--due", "2026-03-01")
        let status = try await sandbox.json("status")
        #expect(status["records"]?["customers"] == 1)
        #expect(status["records"]?["tasks"] == 1)
        // owner, full_name, city and deleted for the customer; 7 fields for the task.
        #expect(status["pending_changes"] == 11)
        #expect(status["change_counter"] == 2)
        let text = try await sandbox.succeed("status")
        #expect(text.stdout.contains("Pending changes: 11"))
        #expect(text.stdout.contains("customers 1, interactions 0, tasks 1, holdings 0"), "\(text)")
    }

    @Test("digest --json: a digest and a row count that follow the data")
    func digestFollowsTheData() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let empty = try await sandbox.json("digest")
        #expect(empty.keys == ["digest", "rows"])
        #expect(empty["rows"] == 0)
        let emptyDigest = try #require(empty["digest"]?.string)
        #expect(!emptyDigest.isEmpty)

        _ = try await sandbox.addCustomer("Ana Silva")
        let one = try await sandbox.json("digest")
        #expect(one["rows"] == 1)
        #expect(one["digest"] != empty["digest"])

        let text = try await sandbox.succeed("digest")
        #expect(text.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == one["digest"]?.string)
        #expect(try await sandbox.json("digest") == one, "reading must not change the digest")
    }

    @Test("init refuses to overwrite an existing replica [replica_exists]")
    func initRefusesAnExistingFile() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        _ = try await sandbox.addCustomer("Ana Silva")
        let before = try await sandbox.state()
        let again = try await sandbox.fieldsync("init", "--manager", "bob")
        #expect(again.exitCode != 0)
        #expect(again.stderr.contains("[replica_exists]"), "\(again)")
        #expect(try await sandbox.state() == before)
        #expect(try await sandbox.json("status")["manager"] == "ana.lima")
    }
}

@Suite("Where the replica is")
struct ReplicaLocationTests {
    @Test("FIELDSYNC_REPLICA names the replica when --replica is absent")
    func environmentVariable() async throws {
        let sandbox = try Sandbox()
        let path = sandbox.path("from-env.db")
        let created = try await sandbox.run(
            ["init", "--manager", "env.user"], environment: ["FIELDSYNC_REPLICA": path])
        #expect(created.exitCode == 0, "\(created)")
        #expect(FileManager.default.fileExists(atPath: path))
        let status = try await sandbox.run(["status", "--json"], environment: ["FIELDSYNC_REPLICA": path])
        #expect(status.exitCode == 0, "\(status)")
        #expect(try status.json()["path"] == .string(path))
        #expect(try status.json()["manager"] == "env.user")
    }

    @Test("--replica wins over FIELDSYNC_REPLICA")
    func optionBeatsEnvironment() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica(manager: "explicit")
        let other = sandbox.path("other.db")
        try await sandbox.initReplica(other, manager: "from.env")
        let status = try await sandbox.run(
            ["status", "--json", "--replica", sandbox.replica], environment: ["FIELDSYNC_REPLICA": other])
        #expect(try status.json()["manager"] == "explicit", "\(status)")
    }

    @Test("without --replica or FIELDSYNC_REPLICA the replica lives under XDG_DATA_HOME")
    func defaultLocation() async throws {
        let sandbox = try Sandbox()
        let created = try await sandbox.run(["init", "--json"])
        #expect(created.exitCode == 0, "\(created)")
        let expected = sandbox.environment()["XDG_DATA_HOME"]! + "/fieldsync/replica.db"
        #expect(try created.json()["path"] == .string(expected))
        #expect(FileManager.default.fileExists(atPath: expected))
    }

    @Test(
        "global options may come before the subcommand",
        arguments: [
            ["--replica", "REPLICA", "status", "--json"],
            ["--json", "--replica", "REPLICA", "status"],
            ["--replica=REPLICA", "--json", "status"],
            ["--replica", "REPLICA", "--json", "customer", "list"],
        ])
    func globalOptionsFirst(_ template: [String]) async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let customer = try await sandbox.addCustomer("Ana Silva")
        let arguments = template.map { $0.replacingOccurrences(of: "REPLICA", with: sandbox.replica) }
        let result = try await sandbox.run(arguments)
        #expect(result.exitCode == 0, "\(result)")
        let json = try result.json()
        if arguments.contains("status") {
            #expect(json["path"] == .string(sandbox.replica))
            #expect(json["records"]?["customers"] == 1)
        } else {
            #expect(json.ids == [customer])
        }
    }
}
