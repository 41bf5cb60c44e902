import Foundation
import Testing

@Suite("config, init --server, status and rejected: the sync settings and state kept on the device")
struct SyncSettingsTests {
    static let token = "tok-3f9a1c"

    @Test("config show of a new replica: no server, no token")
    func showNothingConfigured() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        #expect(try await sandbox.json("config", "show") == .object(["server": .null, "token_set": false]))
        let text = try await sandbox.succeed("config", "show")
        #expect(text.stdout.contains("Server: (none)"))
        #expect(text.stdout.contains("Token:  not set"))
    }

    @Test("config set server keeps the URL without its trailing slash; config set token never prints the token")
    func setServerAndToken() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let set = try await sandbox.json("config", "set", "server", "https://sync.example.test:8443/fieldsync/")
        #expect(set == .object(["server": "https://sync.example.test:8443/fieldsync", "pull_restarts": false]))
        let token = try await sandbox.succeed("config", "set", "token", Self.token)
        #expect(token.stdout == "Token: set\n")

        #expect(
            try await sandbox.json("config", "show")
                == .object(["server": "https://sync.example.test:8443/fieldsync", "token_set": true]))
        for arguments in [["config", "show"], ["config", "show", "--json"], ["status"], ["status", "--json"]] {
            let result = try await sandbox.run(arguments + ["--replica", sandbox.replica])
            #expect(result.exitCode == 0)
            #expect(!result.stdout.contains(Self.token) && !result.stderr.contains(Self.token), "\(result)")
        }

        // With a token set, another address is taken with a warning: a mistyped one would receive the token.
        let same = try await sandbox.run(
            ["config", "set", "server", "https://sync.example.test:8443/fieldsync", "--replica", sandbox.replica])
        #expect(same.exitCode == 0 && same.stderr.isEmpty, "\(same)")
        let moved = try await sandbox.run(
            ["config", "set", "server", "https://sync.exmaple.test:8443/fieldsync", "--replica", sandbox.replica])
        #expect(moved.exitCode == 0 && moved.stderr.contains("shows this device's token to https://sync.exmaple.test"))
        #expect(!moved.stderr.contains(Self.token), "\(moved)")
    }

    @Test(
        "config set server: scheme and host are kept in lower case; plain http to another machine is kept with a warning",
        arguments: [
            ("HTTPS://Sync.Example.TEST:8443/FieldSync/", "https://sync.example.test:8443/FieldSync", false),
            ("http://Branch-Server:8080", "http://branch-server:8080", true),
            ("http://10.0.0.7", "http://10.0.0.7", true),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080", false),
            ("http://LOCALHOST:8080/", "http://localhost:8080", false),
            ("http://[::1]:8080", "http://[::1]:8080", false),
            ("http://127.branch.example", "http://127.branch.example", true),
            ("HTTP://[FE80::1%25enP2p1s0]:8080", "http://[fe80::1%25enP2p1s0]:8080", true),
        ])
    func serverURLCaseAndClearText(typed: String, kept: String, warns: Bool) async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let set = try await sandbox.run(["config", "set", "server", typed, "--replica", sandbox.replica])
        #expect(set.exitCode == 0 && set.stdout == "Server: \(kept)\n", "\(set)")
        #expect(set.stderr.contains("http:// sends the token and customer data unencrypted") == warns, "\(set)")
        #expect(try await sandbox.json("config", "show") == .object(["server": .string(kept), "token_set": false]))
    }

    @Test(
        "config set server refuses what is not an http(s) URL, and keeps the one it had",
        arguments: [
            "ftp://sync.example.test", "sync.example.test", "https://", "https://ana:secret@sync.example.test",
            "http://h/?q=1",
        ])
    func badServerURL(url: String) async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        try await sandbox.succeed("config", "set", "server", "http://127.0.0.1:8080")
        let result = try await sandbox.fieldsync("config", "set", "server", url, "--json")
        #expect(result.exitCode == 1, "\(result)")
        #expect(try result.errorJSON()["error"]?["code"] == "bad_argument")
        #expect(try await sandbox.json("config", "show")["server"] == "http://127.0.0.1:8080")
    }

    @Test("config set with an unknown key is a command-line error")
    func unknownKey() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        #expect(try await sandbox.fieldsync("config", "set", "colour", "blue").exitCode == 64)
    }

    @Test("init --server --token configures the new replica; global options may come first")
    func initWithServer() async throws {
        let sandbox = try Sandbox()
        let created = try await sandbox.run([
            "--replica", sandbox.replica, "--json", "init", "--manager", "ana.lima", "--server",
            "http://127.0.0.1:8080/",
            "--token", Self.token,
        ])
        #expect(created.exitCode == 0, "\(created)")
        #expect(try created.json()["server"] == "http://127.0.0.1:8080")
        #expect(!created.stdout.contains(Self.token))
        let status = try await sandbox.json("status")
        #expect(status["server"] == "http://127.0.0.1:8080" && status["token_set"] == true)
    }

    @Test(
        "init refuses --token without --server, or a bad URL, and creates no replica",
        arguments: [["--token", "t"], ["--server", "ftp://x"], ["--server", "http://h", "--token", "two words"]])
    func initRefusesBadSettings(arguments: [String]) async throws {
        let sandbox = try Sandbox()
        let result = try await sandbox.run(["init"] + arguments + ["--json", "--replica", sandbox.replica])
        #expect(result.exitCode == 1, "\(result)")
        #expect(try result.errorJSON()["error"]?["code"] == "bad_argument")
        #expect(!FileManager.default.fileExists(atPath: sandbox.replica))
    }

    @Test("status of a replica never synced: no server, nothing rejected, conflicts unknown, last sync never")
    func statusBeforeAnySync() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        _ = try await sandbox.addCustomer("Ana Silva")
        let status = try await sandbox.json("status")
        #expect(status["server"] == .null && status["token_set"] == false)
        #expect(status["pending_changes"] == 3 && status["rejected_changes"] == 0)
        #expect(status["open_conflicts"] == .null && status["last_sync"] == .null)
        #expect(status["clock_offset_ms"] == 0)

        let text = try await sandbox.succeed("status").stdout
        #expect(text.contains("Server:          (none)\n"))
        #expect(text.contains("Pending changes: 3 (not sent yet)\n"))
        #expect(text.contains("Rejected:        0\n"))
        #expect(text.contains("Open conflicts:  unknown (never synced)\n"))
        #expect(text.contains("Last sync:       never\n"))
        #expect(!text.contains("Clock:"))
    }

    @Test("rejected list of a fresh replica is empty; discarding an unknown id is unknown_record")
    func rejectedEmpty() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        #expect(try await sandbox.json("rejected", "list") == .array([]))
        #expect(try await sandbox.succeed("rejected", "list").stdout == "No rejected changes.\n")
        let discard = try await sandbox.fieldsync("rejected", "discard", "7", "--json")
        #expect(discard.exitCode == 1)
        #expect(try discard.errorJSON()["error"]?["code"] == "unknown_record")
    }
}
