import FieldSyncProtocol
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A stand-in for the sync service that answers each push with the next of
/// the answers it was given (status and JSON body), for answers the real
/// service gives only when it has a bug; it keeps the request bodies.
struct CannedService {
    struct Answer: Sendable {
        let status: HTTPResponse.Status
        let body: String
    }

    /// Serves `answers` to pushes, in order, while `body` runs with the
    /// service's URL and a function giving the push bodies received so far.
    static func serving<T>(
        _ answers: [Answer], _ body: (_ url: String, _ received: @Sendable () -> [String]) async throws -> T
    ) async throws -> T {
        let remaining = Mutex(answers[...])
        let received = Mutex<[String]>([])
        let router = Router()
        router.post(RouterPath(SyncAPI.push)) { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 16 << 20)
            received.withLock { $0.append(String(buffer: bytes)) }
            guard let answer = remaining.withLock({ $0.popFirst() }) else {
                return Response(status: .serviceUnavailable)
            }
            return Response(
                status: answer.status, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        }
        return try await running({ onRunning in
            Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
                logger: TestServer.quiet)
        }) { port, _ in
            try await body("http://127.0.0.1:\(port)", { received.withLock { $0 } })
        }
    }
}
