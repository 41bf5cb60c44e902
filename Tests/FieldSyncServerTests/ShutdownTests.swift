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
            request.headers.add(name: "Authorization", value: "Bearer \(server.tokens["ana"]!)")
            request.body = .stream(parts, length: .known(Int64(body.count)))
            let answer = Task { try await TestServer.http.execute(request, timeout: .seconds(30)) }

            feed.yield(ByteBuffer(data: body.prefix(body.count / 2)))
            // Let the request reach the server (a loaded machine can be slow), then shut down.
            try await Task.sleep(for: .seconds(1))
            let stopping = Task { await server.shutdown() }
            // Shutting down: soon no new request is taken any more (the push is still held back).
            var refused = false
            for _ in 0..<20 where !refused {
                do {
                    _ = try await TestServer.http.execute(HTTPClientRequest(url: server.baseURL + "/health"), timeout: .seconds(1))
                    try await Task.sleep(for: .milliseconds(200))
                } catch {
                    refused = true
                }
            }
            #expect(refused, "the server kept taking new requests after shutdown began")
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
