import FieldSyncCore

/// An error the service answers a request with (the HTTP layer maps codes to statuses).
public struct ServiceError: FieldSyncError {
    public let code: ErrorCode
    public let message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
}
