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

    @Test(
        "reaching the limit is logged once per episode: again only after the count fell a tenth (at least one) below it"
    )
    func limitWarnsOncePerEpisode() {
        let log = RecordedLog()
        func warnings() -> Int { log.entries.filter { $0.hasPrefix("warning connection limit reached") }.count }
        var limit = ConnectionLimit(maximum: 20, logger: log.logger)
        for _ in 0..<20 { limit.connectionOpened() }
        #expect(warnings() == 1 && !limit.isAcceptingNewConnections())
        // One closes and another takes its place: the same episode.
        limit.connectionClosed()
        #expect(limit.isAcceptingNewConnections())
        limit.connectionOpened()
        #expect(warnings() == 1)
        // Down to 18 of 20: the next time the limit is reached is a new episode.
        for _ in 0..<2 { limit.connectionClosed() }
        for _ in 0..<2 { limit.connectionOpened() }
        #expect(warnings() == 2)

        var single = ConnectionLimit(maximum: 1, logger: log.logger)
        single.connectionOpened()
        single.connectionClosed()
        single.connectionOpened()
        #expect(warnings() == 4)
    }

    func serving(
        _ configuration: ServerConfiguration, _ body: (Int) async throws -> Void
    ) async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteCentralStore(path: directory.file("central.db"), logger: TestServer.quiet)
        try await running({ onRunning in
            SyncServer.application(
                store: store, configuration: configuration, metrics: ServiceMetrics(), logger: TestServer.quiet,
                onRunning: onRunning)
        }) { port, _ in try await body(port) }
        await store.close()
    }
}
