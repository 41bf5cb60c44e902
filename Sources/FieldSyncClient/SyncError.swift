import FieldSyncCore

/// An error met while talking to the sync service: the service's own answer
/// (its code and message), or the client's account of why there was none
/// (`unreachable`, `server_error`, `no_server`).
public struct SyncError: FieldSyncError {
    public let code: ErrorCode
    public let message: String
    /// The service's clock when it answered, Unix milliseconds (with `clock_skew`).
    public let serverTimeMillis: UInt64?
    /// With a push refused for breaking the schema: the changes at fault, each with its code.
    public let rejected: [ChangeRejection]

    public init(_ code: ErrorCode, _ message: String, serverTimeMillis: UInt64? = nil, rejected: [ChangeRejection] = []) {
        self.code = code
        self.message = message
        self.serverTimeMillis = serverTimeMillis
        self.rejected = rejected
    }

    /// The replica has no service to sync with.
    public static let noServer = SyncError(
        .noServer,
        "this replica has no sync service configured; run `fieldsync config set server URL` (and `fieldsync config set token -`, then paste the token, if the service gave you one)"
    )

    /// Settling records who settled: a replica without a manager cannot.
    public static let noManagerToSettle = SyncError(
        .badArgument,
        "settling records who settled, and this replica does not know its manager yet: sync once with your token, or settle from a replica created with `fieldsync init --manager ID`"
    )

    /// No secure connection: retrying from this network will not help.
    static func insecure(_ serverURL: String, reason: String) -> SyncError {
        SyncError(
            .unreachable,
            "cannot reach the service at \(serverURL) securely: \(reason); your changes are safe on this device. If this network asks you to sign in (a hotel's or an airport's page), sign in and sync again; otherwise check the address or tell your IT team"
        )
    }

    static func unreachable(_ serverURL: String, reason: String) -> SyncError {
        SyncError(
            .unreachable,
            "cannot reach the service at \(serverURL): \(reason); your changes are safe on this device, try again when online")
    }
}
