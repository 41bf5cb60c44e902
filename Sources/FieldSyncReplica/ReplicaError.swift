import FieldSyncCore
import GRDB

/// What can go wrong with a replica file, with what to do about it.
public struct ReplicaError: FieldSyncError {
    public let code: ErrorCode
    public let message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    static func notAReplica(_ path: String, _ why: String) -> ReplicaError {
        ReplicaError(.notAReplica, "\(path) is not a FieldSync replica (\(why)); create one with `fieldsync init`")
    }

    static func unknownRecord(_ table: String, _ id: String) -> ReplicaError {
        ReplicaError(.unknownRecord, "no \(table) record with id \(id) in this replica")
    }

    /// SQLite's own error, with the statement's table but never its arguments.
    package static func storage(_ error: DatabaseError) -> ReplicaError {
        ReplicaError(.storage, "the replica database failed: \(error.message ?? "SQLite error \(error.resultCode.rawValue)") (SQLite code \(error.extendedResultCode.rawValue))")
    }
}
