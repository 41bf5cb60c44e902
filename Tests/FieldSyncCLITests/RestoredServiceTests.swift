import Foundation
import Testing

/// An operator restores the service's store from a backup: what devices sent
/// after the backup was taken is gone from it, though the service had
/// acknowledged it. The devices still hold it, and must send it again.
@Suite("A service restored from a backup")
struct RestoredServiceTests {
    @Test(
        "edits the service acknowledged after its backup are sent again by the device once the backup is restored: nothing is lost"
    )
    func restoredFromBackup() async throws {
        let sandbox = try Sandbox()
        let first = try await ServerProcess(in: sandbox.directory)
        let ana = sandbox.replica
        try await sandbox.succeed(
            "init", "--manager", "ana", "--server", first.url, "--token", first.tokens["ana"]!, on: ana)
        let kept = try await sandbox.addCustomer("Maria Costa", "city=Lisbon")
        _ = try await sandbox.json("sync", on: ana)
        try await first.stop()
        let backup = sandbox.path("backup")
        try copyStore(from: first.dataPath, to: backup)

        // After the backup: a new customer and an edit, acknowledged by the service.
        // The same address throughout, as in production (another address would start the device's pulls afresh).
        let port = try #require(first.url.split(separator: ":").last.map(String.init))
        let second = try await serve(first.dataPath, port: port, in: sandbox)
        let lost = try await sandbox.addCustomer("Joana Reis", "city=Porto")
        try await sandbox.succeed("customer", "edit", kept, "city=Braga", on: ana)
        let acknowledged = try await sandbox.json("sync", on: ana)
        #expect(acknowledged["push"]?["accepted"]?.int == 5, "\(acknowledged)")
        try await second.stop()

        // The operator restores the backup and starts the service again.
        try copyStore(from: backup, to: first.dataPath)
        let restored = try await serve(first.dataPath, port: port, in: sandbox)
        let missing = try await first.admin("history", "customers", lost)
        #expect(missing.exitCode != 0, "\(missing)")

        let synced = try await sandbox.run(["sync", "--replica", ana])
        #expect(
            synced.exitCode == 0 && synced.stdout.contains("queued its own 8 edit(s) again and sent them with any unsent change (8 sent, 0 rejected)"),
            "\(synced.stdout) \(synced.stderr)")
        let compared = try await sandbox.json("digest", "--compare", on: ana)
        #expect(compared["in_sync"] == .bool(true), "\(compared)")
        let history = try await first.admin("history", "customers", kept, "city")
        #expect(history.exitCode == 0 && history.stdout.contains("Braga"), "\(history)")
        #expect(try await first.admin("history", "customers", lost).exitCode == 0)
        try await restored.stop()
    }

    /// Starts `fieldsync-server serve` on the store at `data`, on `port`.
    func serve(_ data: String, port: String, in sandbox: Sandbox) async throws -> ServeProcess {
        let server = try ServeProcess(
            ["--port", port, "--data", data], environment: ProcessInfo.processInfo.environment, in: sandbox.directory)
        try await server.waitUntilListening()
        return server
    }

    /// Copies a stopped service's store file and its write-ahead log, replacing what `destination` held.
    func copyStore(from source: String, to destination: String) throws {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: destination + suffix)
            if FileManager.default.fileExists(atPath: source + suffix) {
                try FileManager.default.copyItem(atPath: source + suffix, toPath: destination + suffix)
            }
        }
    }
}
