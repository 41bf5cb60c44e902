/// A value, table or column the schema does not allow. Names the field and
/// what is allowed; never quotes the offending value (it may be customer data).
public struct SchemaViolation: FieldSyncError, Equatable {
    public let code: ErrorCode
    /// `table.column`, when the violation is about one field.
    public let field: String?
    public let message: String

    public init(_ code: ErrorCode, field: String?, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }
}
