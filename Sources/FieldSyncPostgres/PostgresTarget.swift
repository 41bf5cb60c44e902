import FieldSyncService
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL store lives, read once from its URL (`PostgresURL`):
/// the pool's settings, and the same as one connection's, which
/// `PostgresCentralStore` opens on its own to learn why connecting fails
/// (the pool retries quietly and never says).
public struct PostgresTarget: Sendable {
    public private(set) var pool: PostgresClient.Configuration
    private(set) var single: PostgresConnection.Configuration
    /// `sslmode=disable` to another machine: allowed (a private link), but said.
    package let unencryptedOverNetwork: Bool

    public init(url text: String) throws {
        let url = try PostgresURL.components(text)
        let settings = try PostgresURL.tlsSettings(url, text)
        let context: NIOSSLContext?
        do { context = try settings.configuration.map { try NIOSSLContext(configuration: $0) } } catch {
            throw ServiceError(
                .badArgument,
                "the PostgreSQL URL \(PostgresURL.redacted(text)) sets up TLS that cannot be used (\(error)); check sslrootcert"
            )
        }
        // An IPv6 address comes in brackets, which name no host to connect to.
        let host = url.host!.hasPrefix("[") ? String(url.host!.dropFirst().dropLast()) : url.host!
        let (port, user) = (url.port ?? 5432, url.user!)
        let database = String(url.path.drop { $0 == "/" })
        let poolTLS: PostgresClient.Configuration.TLS
        let singleTLS: PostgresConnection.Configuration.TLS
        switch (settings.configuration, context) {
        case (let configuration?, let context?) where settings.required:
            (poolTLS, singleTLS) = (.require(configuration), .require(context))
        case (let configuration?, let context?): (poolTLS, singleTLS) = (.prefer(configuration), .prefer(context))
        default: (poolTLS, singleTLS) = (.disable, .disable)
        }
        pool = PostgresClient.Configuration(
            host: host, port: port, username: user, password: url.password, database: database, tls: poolTLS)
        single = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: url.password, database: database, tls: singleTLS)
        unencryptedOverNetwork = context == nil && !PostgresURL.isLoopback(host)
    }

    /// The same server and login, another database (tests and benchmarks make their own).
    public func database(_ name: String) -> PostgresTarget {
        var target = self
        target.pool.database = name
        target.single.database = name
        return target
    }

    /// How the pool behaves (for one, how many connections it opens).
    public var poolOptions: PostgresClient.Configuration.Options {
        get { pool.options }
        set { pool.options = newValue }
    }

    /// host:port/database, for messages and logs (never the password).
    public var location: String { "\(pool.host ?? "?"):\(pool.port ?? 5432)/\(pool.database ?? "")" }
}
