import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("push, pull and sync without a reachable service")
struct OfflineSyncTests {
    /// A replica with unsent changes whose service is a loopback port nobody listens on.
    func offlineReplica() async throws -> (Sandbox, url: String) {
        let sandbox = try Sandbox()
        let url = "http://127.0.0.1:\(try closedLoopbackPort())"
        try await sandbox.initReplica()
        _ = try await sandbox.addCustomer("Ana Silva", "city=Lisbon")
        try await sandbox.succeed("config", "set", "server", url)
        return (sandbox, url)
    }

    @Test("unreachable: exactly one line on standard error, code unreachable, exit 1, the replica file unchanged",
        arguments: ["push", "pull", "sync"])
    func unreachableLeavesReplicaUntouched(command: String) async throws {
        let (sandbox, url) = try await offlineReplica()
        let state = try await sandbox.state()
        let bytes = try replicaFiles(sandbox)

        let result = try await sandbox.fieldsync(command)
        #expect(result.exitCode == 1, "\(result)")
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result)")
        #expect(result.stderr.hasPrefix("fieldsync: cannot reach the service at \(url): "), "\(result)")
        #expect(result.stderr.contains("your changes are safe on this device"))
        #expect(result.stderr.hasSuffix(" [unreachable]\n"), "\(result)")

        #expect(try replicaFiles(sandbox) == bytes)
        #expect(try await sandbox.state() == state)
        let status = try await sandbox.json("status")
        #expect(status["last_sync"] == .null && status["open_conflicts"] == .null)
    }

    @Test("unreachable under --json: one JSON error object, nothing on standard output")
    func unreachableAsJSON() async throws {
        let (sandbox, _) = try await offlineReplica()
        let result = try await sandbox.fieldsync("sync", "--json")
        #expect(result.exitCode == 1)
        #expect(result.stdout.isEmpty)
        let error = try result.errorJSON()
        #expect(error.keys == ["error"])
        #expect(error["error"]?["code"] == "unreachable")
    }

    @Test("conflicts list and show to a closed port are unreachable too")
    func conflictsUnreachable() async throws {
        let (sandbox, _) = try await offlineReplica()
        for arguments in [["conflicts", "list"], ["conflicts", "show", "1"], ["conflicts", "settle", "1", "--keep", "mine"]] {
            let result = try await sandbox.run(arguments + ["--json", "--replica", sandbox.replica])
            #expect(result.exitCode == 1, "\(result)")
            #expect(try result.errorJSON()["error"]?["code"] == "unreachable", "\(result)")
        }
    }

    /// A secure connection that fails fails again from the same network:
    /// "try again when online" would send the manager round in circles.
    @Test("https to a service without TLS: unreachable, saying the secure connection failed and why, nothing changed")
    func secureConnectionFails() async throws {
        let sandbox = try Sandbox()
        let server = try await ServerProcess(in: sandbox.directory)
        let url = server.url.replacingOccurrences(of: "http://", with: "https://")
        try await sandbox.succeed("init", "--manager", "ana", "--server", url, "--token", server.tokens["ana"]!)
        _ = try await sandbox.addCustomer("Ana Silva")
        let pending = try await sandbox.json("status")["pending_changes"]
        let result = try await sandbox.fieldsync("sync")
        #expect(result.exitCode == 1 && result.stderr.hasSuffix(" [unreachable]\n"), "\(result)")
        #expect(result.stderr.hasPrefix("fieldsync: cannot reach the service at \(url) securely: "), "\(result)")
        #expect(result.stderr.contains("does not speak https"), "\(result)")
        #expect(!result.stderr.contains("try again when online"), "\(result)")
        #expect(try await sandbox.json("status")["pending_changes"] == pending && pending != .int(0))
        _ = try await server.stop()
    }

    @Test("no service configured: code no_server, naming `fieldsync config set server URL`",
        arguments: [["push"], ["pull"], ["sync"], ["conflicts", "list"], ["conflicts", "show", "3"]])
    func noServer(arguments: [String]) async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let state = try await sandbox.state()
        let result = try await sandbox.run(arguments + ["--replica", sandbox.replica])
        #expect(result.exitCode == 1, "\(result)")
        #expect(result.stderr.hasSuffix("[no_server]\n"), "\(result)")
        #expect(result.stderr.contains("fieldsync config set server URL"))
        #expect(try await sandbox.state() == state)
    }

    @Test("settling needs a manager on the replica: bad_argument before anything is sent")
    func settleWithoutManager() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica(manager: nil)
        let result = try await sandbox.fieldsync("conflicts", "settle", "1", "--value", "x", "--json")
        #expect(result.exitCode == 1)
        #expect(try result.errorJSON()["error"]?["code"] == "bad_argument")
    }

    @Test("settle takes exactly one of --keep and --value (a command-line error, exit 64)",
        arguments: [[], ["--keep", "mine", "--value", "x"], ["--keep", "ours"]])
    func settleArguments(extra: [String]) async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let result = try await sandbox.run(["conflicts", "settle", "1"] + extra + ["--replica", sandbox.replica])
        #expect(result.exitCode == 64, "\(result)")
    }

    // MARK: - Helpers

    /// The replica's database and write-ahead log, byte for byte (the
    /// shared-memory index is rebuilt by any reader, so it is left out).
    func replicaFiles(_ sandbox: Sandbox) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: sandbox.replica + suffix) {
            files[suffix] = try Data(contentsOf: URL(fileURLWithPath: sandbox.replica + suffix))
        }
        return files
    }

    /// A loopback port bound for a moment and released: nothing listens on it, so connecting is refused.
    func closedLoopbackPort() throws -> Int {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        try #require(descriptor >= 0)
        // Kept bound (never listening) for the rest of the test process: a
        // connection is refused, and no server started by another test can
        // take the port in the meantime.
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && getsockname(descriptor, address, &length) == 0
            }
        }
        try #require(bound)
        ReservedPorts.shared.keep(descriptor)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Sockets held bound until the test process ends.
final class ReservedPorts: @unchecked Sendable {
    static let shared = ReservedPorts()
    private let lock = NSLock()
    private var descriptors: [Int32] = []

    func keep(_ descriptor: Int32) { lock.withLock { descriptors.append(descriptor) } }
}
