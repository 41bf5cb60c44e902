import FieldSyncCore
import FieldSyncService
import HTTPTypes
import Hummingbird

/// Every endpoint but `/health` needs `Authorization: Bearer TOKEN`. The token
/// is looked up on every request, so a revoked token stops working on the
/// very next one, also when another process (`fieldsync-server token revoke`)
/// revoked it.
struct AuthenticationMiddleware: RouterMiddleware {
    let store: any CentralStore

    func handle(
        _ request: Request, context: SyncRequestContext,
        next: (Request, SyncRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIError(
                .unauthorized,
                "the request has no token: send Authorization: Bearer TOKEN (fieldsync config set token -, then paste it)")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError(.unauthorized, "the Authorization header must be Bearer TOKEN")
        }
        var context = context
        context.manager = try await store.authenticate(token: parts[1].trimmingCharacters(in: .whitespaces))
        context.logger[metadataKey: "manager"] = "\(context.manager!.id)"
        return try await next(request, context)
    }
}
