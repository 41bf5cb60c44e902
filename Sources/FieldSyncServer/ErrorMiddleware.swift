import FieldSyncCore
import Hummingbird
import Logging

/// Renders every error as the protocol's error body, so a client always gets
/// a code and a message, and logs the 5xx ones (which are bugs).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError(error)
            if apiError.status.code >= 500 {
                context.logger.error(
                    "request failed", metadata: ["error": "\(String(reflecting: type(of: error)))", "code": "\(apiError.code)"])
            }
            var response = try WireResponse.json(apiError.body, status: apiError.status, for: request)
            if apiError.status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        }
    }
}
