import CompressNIO
import FieldSyncCore
import Hummingbird
import NIOCore

/// Collects the request body under the size limit and decodes gzip, so
/// handlers see plain JSON and a body can never exceed the limit, compressed
/// or not (a small gzip body may inflate enormously).
struct RequestBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var request = request
        let encoding = request.headers[.contentEncoding]?.trimmingCharacters(in: .whitespaces).lowercased() ?? "identity"
        guard encoding == "identity" || encoding == "gzip" else {
            throw APIError(.badEncoding, "Content-Encoding \(encoding) is not supported; send identity or gzip")
        }
        let tooLarge = APIError(
            .tooLarge, "the request body is larger than the service accepts (\(maxBodyBytes) bytes); push in smaller batches")
        var body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
        if encoding == "gzip" {
            do {
                // One byte more than allowed tells "too large" from "exactly the limit".
                body = try body.decompress(with: .gzip(), maxSize: maxBodyBytes + 1)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                throw tooLarge
            } catch {
                throw APIError(.badEncoding, "the body says Content-Encoding gzip but is not valid gzip")
            }
            guard body.readableBytes <= maxBodyBytes else { throw tooLarge }
        }
        request.body = .init(buffer: body)
        return try await next(request, context)
    }
}
