import AsyncHTTPClient
import Foundation
import NIOCore

/// The server's `/metrics`, read as an admin: what it sent, per route.
struct ServerMetrics {
    let text: String

    static func fetch(_ serverURL: String, token: String) async throws -> ServerMetrics {
        var request = HTTPClientRequest(url: serverURL + "/metrics")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        guard response.status == .ok else { throw BenchmarkError("GET /metrics answered \(response.status.code)") }
        return ServerMetrics(text: String(buffer: try await response.body.collect(upTo: 16 * 1024 * 1024)))
    }

    /// Response body bytes sent on `route`, as sent (gzip included).
    func responseBytes(route: String) -> Int {
        value(of: #"fieldsync_http_response_body_bytes_total{route="\#(route)"}"#)
    }

    private func value(of series: String) -> Int {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Int(Double(line.dropFirst(series.count + 1)) ?? 0)
        }
        return 0
    }
}
