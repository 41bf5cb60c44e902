import FieldSyncCore
import Hummingbird

/// A request's context: Hummingbird's, plus the manager its token speaks for
/// once `AuthenticationMiddleware` has checked it.
struct SyncRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var manager: Manager?

    init(source: Source) {
        coreContext = .init(source: source)
        manager = nil
    }

    /// The authenticated caller; every route behind the middleware has one.
    func caller() throws -> Manager {
        guard let manager else { throw APIError(.unauthorized, "this endpoint needs a bearer token") }
        return manager
    }
}
