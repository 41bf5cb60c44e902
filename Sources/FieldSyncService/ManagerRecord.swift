import FieldSyncCore

/// A manager as the service's administration lists them.
public struct ManagerRecord: Sendable, Equatable {
    public var manager: Manager
    /// Tokens issued and not revoked.
    public var activeTokens: Int
    /// The last push or pull, Unix milliseconds.
    public var lastSyncMillis: UInt64?

    package init(manager: Manager, activeTokens: Int, lastSyncMillis: UInt64?) {
        self.manager = manager
        self.activeTokens = activeTokens
        self.lastSyncMillis = lastSyncMillis
    }
}

/// A token as listed: never the token itself.
public struct TokenRecord: Sendable, Equatable {
    public var manager: String
    public var hint: String
    public var issuedAtMillis: UInt64
    public var revokedAtMillis: UInt64?

    package init(manager: String, hint: String, issuedAtMillis: UInt64, revokedAtMillis: UInt64?) {
        self.manager = manager
        self.hint = hint
        self.issuedAtMillis = issuedAtMillis
        self.revokedAtMillis = revokedAtMillis
    }
}
