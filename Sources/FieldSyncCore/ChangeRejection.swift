/// A pushed change the service refused, with why: it stays on the device,
/// visible to the manager, until they fix or discard it.
public struct ChangeRejection: Hashable, Sendable {
    public var field: FieldRef
    public var version: Version
    public var code: ErrorCode
    public var message: String
    /// What the service holds for the field, when the caller may see it: a
    /// device that discards its rejected change goes back to this.
    public var current: (value: Value, version: Version)?

    public init(
        field: FieldRef, version: Version, code: ErrorCode, message: String, current: (value: Value, version: Version)? = nil
    ) {
        self.field = field
        self.version = version
        self.code = code
        self.message = message
        self.current = current
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.field == rhs.field && lhs.version == rhs.version && lhs.code == rhs.code && lhs.message == rhs.message
            && lhs.current?.value == rhs.current?.value && lhs.current?.version == rhs.current?.version
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(field)
        hasher.combine(version)
        hasher.combine(code)
    }
}
