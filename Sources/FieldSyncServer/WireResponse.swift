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
            buffer = try buffer.compress(with: .gzip(configuration: gzipConfiguration(bytes: buffer.readableBytes)))
            headers[.contentEncoding] = "gzip"
            headers[.vary] = "Accept-Encoding"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }

    /// zlib's fastest level: on pull pages it costs a third of the default
    /// level's time for a few bytes more per field (measured with fieldsync-bench initial-sync).
    /// The window need not be longer than the body (no match reaches further
    /// back than its first byte), and zlib sets up and clears its whole
    /// window and hash table for every stream: ~270 KB at the default sizes,
    /// which cost more than compressing a push's answer or a small pull page
    /// (`fieldsync-bench load`). Bodies of 32 KB and more get the default sizes.
    static func gzipConfiguration(bytes: Int) -> ZlibConfiguration {
        let windowBits = Int32(min(15, max(9, Int.bitWidth - (bytes - 1).leadingZeroBitCount)))
        return ZlibConfiguration(
            windowSize: windowBits, compressionLevel: ZlibConfiguration.CompressionLevel.fastestCompression.rawValue,
            memoryLevel: windowBits - 7)
    }

    static func acceptsGzip(_ request: Request) -> Bool {
        guard let accepted = request.headers[.acceptEncoding] else { return false }
        // Read on the header's bytes: it comes with every request, and Foundation's trimming was 1 % of the service's time.
        return accepted.utf8.split(separator: UInt8(ascii: ",")).contains { coding in
            let parts = coding.split(separator: UInt8(ascii: ";")).map {
                $0.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
            }
            guard let name = parts.first, String(decoding: name, as: UTF8.self).lowercased() == "gzip" else {
                return false
            }
            // `gzip;q=0` (or `q=0.0`) means "not gzip".
            return !parts.dropFirst().contains { parameter in
                let text = String(decoding: parameter, as: UTF8.self).lowercased()
                return text.hasPrefix("q=") && Double(text.dropFirst(2)) == 0
            }
        }
    }
}
