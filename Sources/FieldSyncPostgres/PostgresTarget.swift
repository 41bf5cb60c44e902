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

    public init(url: String) throws {
        pool = try PostgresURL.configuration(url)
        let tls: PostgresConnection.Configuration.TLS
        switch try PostgresURL.tlsSettings(url) {
        case (_, nil): tls = .disable
        case (let required, let configuration?):
            let context: NIOSSLContext
            do { context = try NIOSSLContext(configuration: configuration) } catch {
                throw ServiceError(
                    .badArgument,
                    "the PostgreSQL URL \(PostgresURL.redacted(url)) sets up TLS that cannot be used (\(error)); check sslrootcert"
                )
            }
            tls = required ? .require(context) : .prefer(context)
        }
        unencryptedOverNetwork = !tls.isAllowed && !PostgresURL.isLoopback(pool.host!)
        single = PostgresConnection.Configuration(
            host: pool.host!, port: pool.port!, username: pool.username, password: pool.password,
            database: pool.database, tls: tls)
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
