import CompressNIO
import FieldSyncProtocol
import Foundation
import HTTPTypes
import Hummingbird

/// JSON responses in the protocol's one dialect, gzip when the client asks.
enum WireResponse {
    static func json(
        _ value: some Encodable, status: HTTPResponse.Status = .ok, for request: Request
    ) throws -> Response {
        var buffer = ByteBuffer(data: try WireJSON.encode(value))
        var headers: HTTPFields = [.contentType: "application/json"]
        if acceptsGzip(request), buffer.readableBytes > 256 {
            buffer = try buffer.compress(with: .gzip(configuration: Self.gzipLevel))
            headers[.contentEncoding] = "gzip"
            headers[.vary] = "Accept-Encoding"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }

    /// zlib's fastest level: on pull pages it costs a third of the default
    /// level's time for a few bytes more per field (measured with fieldsync-bench initial-sync).
    static let gzipLevel = ZlibConfiguration(compressionLevel: .fastestCompression)

    static func acceptsGzip(_ request: Request) -> Bool {
        guard let accepted = request.headers[.acceptEncoding] else { return false }
        return accepted.split(separator: ",").contains { coding in
            let parts = coding.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.first?.lowercased() == "gzip" else { return false }
            // `gzip;q=0` means "not gzip".
            return !parts.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" }
        }
    }
}
