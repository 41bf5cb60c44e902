import FieldSyncCore
import Hummingbird
import Logging

/// Renders every error as the protocol's error body, so a client always gets
/// a code and a message, and logs the 5xx ones (bugs, or the database
/// failing) with their message, which the client is not shown.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError(error)
            if apiError.status.code >= 500 {
                // FieldSync's own messages name records by id and never quote values; others' may, so only their type.
                var metadata: Logger.Metadata = [
                    "error": "\(String(reflecting: type(of: error)))", "code": "\(apiError.code)",
                ]
                if error is any FieldSyncError { metadata["message"] = "\(apiError.message)" }
                context.logger.error("request failed", metadata: metadata)
            }
            var response = try WireResponse.json(apiError.body, status: apiError.status, for: request)
            if apiError.status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        }
    }
}
