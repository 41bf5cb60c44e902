import FieldSyncCore
import FieldSyncProtocol
import HTTPTypes
import Hummingbird

/// Every `/v1` request names the schema version it speaks; any other than
/// the service's is refused before anything is read, never mis-merged.
struct SchemaVersionMiddleware<Context: RequestContext>: RouterMiddleware {
    let schemaVersion: Int
    static var header: HTTPField.Name { HTTPField.Name(SyncAPI.schemaVersionHeader)! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let text = request.headers[Self.header] else {
            throw APIError(
                .schemaVersion,
                "the request has no \(SyncAPI.schemaVersionHeader) header; this service speaks schema version \(schemaVersion)")
        }
        guard Int(text.trimmingCharacters(in: .whitespaces)) == schemaVersion else {
            throw APIError(
                .schemaVersion,
                "the client speaks schema version \(text); this service speaks version \(schemaVersion): update the client")
        }
        return try await next(request, context)
    }
}
