import AsyncHTTPClient
import FieldSyncCore
import FieldSyncProtocol
import Foundation
import NIOCore
import Testing

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test("a push whose body is still arriving when shutdown starts is finished and answered")
    func finishesRequestsInFlight() async throws {
        try await withTestServer { server in
            let ana = Writer(0xA, "ana")
            var changes: [FieldChange] = []
            for number in 1...200 { changes += ana.newCustomer(IDs.customer(number), name: "C\(number)", at: t0) }
            let body = try WireJSON.encode(ana.push(changes))
            let (parts, feed) = AsyncStream.makeStream(of: ByteBuffer.self)
            var request = HTTPClientRequest(url: server.baseURL + SyncAPI.push)
            request.method = .POST
            request.headers.add(name: SyncAPI.schemaVersionHeader, value: "1")
            request.body = .stream(parts, length: .known(Int64(body.count)))
            let answer = Task { try await TestServer.http.execute(request, timeout: .seconds(30)) }

            feed.yield(ByteBuffer(data: body.prefix(body.count / 2)))
            try await Task.sleep(for: .milliseconds(300))
            let stopping = Task { await server.shutdown() }
            try await Task.sleep(for: .milliseconds(300))
            // Shutting down: no new request is taken any more.
            await #expect(throws: (any Error).self) {
                _ = try await TestServer.http.execute(HTTPClientRequest(url: server.baseURL + "/health"), timeout: .seconds(1))
            }
            feed.yield(ByteBuffer(data: body.suffix(from: body.count / 2)))
            feed.finish()

            let response = try await answer.value
            #expect(response.status == .ok)
            let bytes = try await response.body.collect(upTo: 1 << 20)
            #expect(try WireJSON.decode(PushResponse.self, from: Data(buffer: bytes)).accepted == 600)
            await stopping.value
            #expect(try await server.store.digest().rows == 200)
        }
    }
}
