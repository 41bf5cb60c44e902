import AsyncHTTPClient
import FieldSyncServer
import FieldSyncService
import FieldSyncTestSupport
import Foundation
import Logging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Idle or slow clients cannot take the service's connections for good:
/// an idle one is closed, and past the limit new ones wait.
@Suite("Connection limits")
struct ConnectionLimitTests {
    @Test("a connection that sends nothing is closed after the idle timeout")
    func idleConnectionClosed() async throws {
        try await serving(ServerConfiguration(host: "127.0.0.1", port: 0, idleTimeout: .milliseconds(300))) { port in
            let idle = try RawConnection(port: port)
            // recv returns 0 when the server closes; -1 when nothing came for 10 s.
            #expect(await idle.receive() == 0)
        }
    }

    @Test("past the connection limit a new client waits until a connection closes")
    func limitHoldsNewConnections() async throws {
        try await serving(ServerConfiguration(host: "127.0.0.1", port: 0, maxConnections: 1)) { port in
            let url = "http://127.0.0.1:\(port)/health"
            // The one connection allowed, answered once and then kept open.
            let first = try RawConnection(port: port)
            first.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await first.receive() > 0)
            await #expect(throws: (any Error).self) {
                _ = try await TestServer.http.execute(HTTPClientRequest(url: url), timeout: .seconds(1))
            }
            first.close()
            let later = try await TestServer.http.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            #expect(later.status == .ok)
        }
    }

    @Test("reaching the limit is logged once per episode: again only after the count fell a tenth below it")
    func limitWarnsOncePerEpisode() async throws {
        let log = RecordedLog()
        func warnings() -> Int { log.entries.filter { $0.hasPrefix("warning connection limit reached") }.count }
        try await serving(ServerConfiguration(host: "127.0.0.1", port: 0, maxConnections: 20), logger: log.logger) {
            port in
            var open = [RawConnection]()
            for _ in 0..<20 { open.append(try await RawConnection.answered(port: port)) }
            #expect(warnings() == 1)
            // One closes and another takes its place: the same episode.
            open.removeLast().close()
            open.append(try await RawConnection.answered(port: port))
            #expect(warnings() == 1, "\(log.entries)")
            // Two close (18 of 20 open): the next time the limit is reached is a new episode.
            for _ in 0..<2 { open.removeLast().close() }
            // Let the server see both closes before the next connection can take a freed place.
            try await Task.sleep(for: .seconds(1))
            for _ in 0..<2 { open.append(try await RawConnection.answered(port: port)) }
            #expect(warnings() == 2, "\(log.entries)")
            for connection in open { connection.close() }
        }
    }

    func serving(
        _ configuration: ServerConfiguration, logger: Logger = TestServer.quiet, _ body: (Int) async throws -> Void
    ) async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteCentralStore(path: directory.file("central.db"), logger: TestServer.quiet)
        try await running({ onRunning in
            SyncServer.application(
                store: store, configuration: configuration, metrics: ServiceMetrics(), logger: logger,
                onRunning: onRunning)
        }) { port, _ in try await body(port) }
        await store.close()
    }
}

/// A plain TCP connection to the loopback server, for what an HTTP client would not do: stay silent.
/// Blocking calls stay off Swift's cooperative threads: the server under
/// test runs in this process, on those threads, and must keep answering.
private final class RawConnection: @unchecked Sendable {
    private let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) }
    }

    /// Bytes received, 0 when the peer closed, -1 on timeout or error.
    func receive() async -> Int {
        let socket = socket
        return await withCheckedContinuation { done in
            Thread {
                var buffer = [UInt8](repeating: 0, count: 4096)
                done.resume(returning: buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) })
            }.start()
        }
    }

    func close() { Glibc.close(socket) }

    /// A connection the server has taken: it answered a request on it.
    static func answered(port: Int) async throws -> RawConnection {
        let connection = try RawConnection(port: port)
        connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        guard await connection.receive() > 0 else { throw POSIXError(.ETIMEDOUT) }
        return connection
    }
}
