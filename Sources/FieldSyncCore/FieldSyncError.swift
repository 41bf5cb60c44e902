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
    // Command line.
    public static let badArgument = ErrorCode(rawValue: "bad_argument")
    /// A bug: please report it with the command that caused it.
    public static let `internal` = ErrorCode(rawValue: "internal")
}
