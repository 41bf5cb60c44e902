import FieldSyncCore

/// An error the service answers a request with (the HTTP layer maps codes to statuses).
public struct ServiceError: FieldSyncError {
    public let code: ErrorCode
    public let message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A manager id the store does not hold; the message serves a supervisor at a device as well as an operator.
    public static func unknownManager(_ id: String) -> ServiceError {
        ServiceError(
            .unknownManager, "there is no manager \(id); check the id (on the server, `fieldsync-server manager list` lists them)")
    }
}

/// A push with changes that break the schema: a client bug or an outdated
/// client, not a decision about the data. The whole push is refused (nothing
/// is written) and every change at fault is listed with its own code, so the
/// client can set those aside and push the rest.
public struct InvalidChanges: FieldSyncError {
    public let rejections: [ChangeRejection]

    public init(rejections: [ChangeRejection]) { self.rejections = rejections }

    public var code: ErrorCode { rejections.first?.code ?? .malformed }
    public var message: String {
        guard let first = rejections.first else { return "the push breaks the schema" }
        return "\(rejections.count) change(s) break the schema, the first (\(first.field.table).\(first.field.column)): \(first.message); nothing was written"
    }
}

extension ChangeRejection {
    /// Codes a service gives a valid change it decides not to take; the push
    /// goes on with the others. Any other code means the change is invalid.
    public static let policyCodes: Set<ErrorCode> = [.clockSkew, .wrongReplica, .forbidden]
}
