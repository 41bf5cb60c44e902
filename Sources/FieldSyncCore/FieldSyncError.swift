/// Every error a user can meet carries a stable code (listed in
/// protocol/errors.md) and a message a person can act on.
///
/// Messages name tables, rows, columns and allowed values, never a field's
/// value: errors end up in logs, and customer data must not.
public protocol FieldSyncError: Error, CustomStringConvertible, Sendable {
    var code: ErrorCode { get }
    var message: String { get }
}

extension FieldSyncError {
    public var description: String { "\(code.rawValue): \(message)" }
}

/// The stable error codes. Adding one is a protocol change: document it in protocol/errors.md.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    // Schema and values.
    public static let unknownTable = ErrorCode(rawValue: "unknown_table")
    public static let unknownColumn = ErrorCode(rawValue: "unknown_column")
    public static let wrongType = ErrorCode(rawValue: "wrong_type")
    public static let notAllowed = ErrorCode(rawValue: "value_not_allowed")
    public static let requiredField = ErrorCode(rawValue: "required_field")
    public static let badDate = ErrorCode(rawValue: "bad_date")
    public static let badAmount = ErrorCode(rawValue: "bad_amount")
    public static let badID = ErrorCode(rawValue: "bad_id")
    public static let schemaVersion = ErrorCode(rawValue: "schema_version")
    // Clocks.
    public static let clockSkew = ErrorCode(rawValue: "clock_skew")
    // Replica.
    public static let notAReplica = ErrorCode(rawValue: "not_a_replica")
    public static let replicaExists = ErrorCode(rawValue: "replica_exists")
    public static let unknownRecord = ErrorCode(rawValue: "unknown_record")
    public static let recordExists = ErrorCode(rawValue: "record_exists")
    public static let missingReference = ErrorCode(rawValue: "missing_reference")
    public static let storage = ErrorCode(rawValue: "storage")
    // Files and wire.
    public static let malformed = ErrorCode(rawValue: "malformed")
    public static let io = ErrorCode(rawValue: "io")
    // Sync service.
    /// No conflict with that id.
    public static let unknownConflict = ErrorCode(rawValue: "unknown_conflict")
    /// The conflict was settled already.
    public static let alreadySettled = ErrorCode(rawValue: "already_settled")
    /// A pull cursor this service never issued (it was reset, or it is another service): pull from the start.
    public static let unknownCursor = ErrorCode(rawValue: "unknown_cursor")
    /// A pushed change whose version names another replica than the pusher.
    public static let wrongReplica = ErrorCode(rawValue: "wrong_replica")
    /// The request body is larger than the service accepts.
    public static let tooLarge = ErrorCode(rawValue: "too_large")
    /// A body in an encoding the service cannot read (broken gzip, unknown Content-Encoding).
    public static let badEncoding = ErrorCode(rawValue: "bad_encoding")
    /// No such endpoint, or a method it does not take.
    public static let notFound = ErrorCode(rawValue: "not_found")
    /// No token, or one the service does not know (or has revoked).
    public static let unauthorized = ErrorCode(rawValue: "unauthorized")
    /// The caller's role or scope does not allow this (a customer that is not theirs, an admin-only endpoint).
    public static let forbidden = ErrorCode(rawValue: "forbidden")
    /// No manager with that id.
    public static let unknownManager = ErrorCode(rawValue: "unknown_manager")
    /// A manager with that id exists already.
    public static let managerExists = ErrorCode(rawValue: "manager_exists")
    /// The service could not be reached (client side).
    public static let unreachable = ErrorCode(rawValue: "unreachable")
    /// The service failed (5xx) or answered something that is not the protocol (client side).
    public static let serverError = ErrorCode(rawValue: "server_error")
    /// The replica has no service configured (client side).
    public static let noServer = ErrorCode(rawValue: "no_server")
    // Command line.
    public static let badArgument = ErrorCode(rawValue: "bad_argument")
    /// A bug: please report it with the command that caused it.
    public static let `internal` = ErrorCode(rawValue: "internal")
}
