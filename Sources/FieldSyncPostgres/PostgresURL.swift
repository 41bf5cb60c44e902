import FieldSyncService
import Foundation
import NIOSSL
import PostgresNIO

/// A PostgreSQL connection URL, `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE]`,
/// as libpq reads it (`postgresql://` too). `sslmode` is `disable` (the
/// default on a loopback host), `prefer`, or `require` (the default elsewhere).
public enum PostgresURL {
    public static func configuration(_ text: String) throws -> PostgresClient.Configuration {
        func bad(_ why: String) -> ServiceError {
            ServiceError(
                .badArgument,
                "the PostgreSQL URL \(redacted(text)) \(why); write it as postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
            )
        }
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? "") else {
            throw bad("is not a postgres:// URL")
        }
        guard let host = url.host, !host.isEmpty else { throw bad("names no host") }
        guard let user = url.user, !user.isEmpty else { throw bad("names no user") }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw bad("names no database") }
        let loopback = ["localhost", "127.0.0.1", "::1"].contains(host)
        let mode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? (loopback ? "disable" : "require")
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw bad("has sslmode=\(mode), which is none of disable, prefer, require")
        }
        return PostgresClient.Configuration(
            host: host, port: url.port ?? 5432, username: user, password: url.password, database: database, tls: tls)
    }

    /// The URL without its password, for messages and logs. One that does
    /// not parse (a `#` or `%` unescaped in the password, say) loses
    /// everything between `://` and its last `@`.
    public static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text) else {
            guard let scheme = text.range(of: "://"), let at = text.range(of: "@", options: .backwards),
                scheme.upperBound <= at.lowerBound
            else { return text }
            return text.replacingCharacters(in: scheme.upperBound..<at.lowerBound, with: "***")
        }
        guard url.password != nil else { return text }
        url.password = "***"
        return url.string ?? "(unreadable URL)"
    }
}
