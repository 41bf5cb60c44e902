import FieldSyncService
import Foundation
import NIOSSL
import PostgresNIO

/// A PostgreSQL connection URL,
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE&sslrootcert=PATH]`,
/// as libpq reads it (`postgresql://` too). `sslmode`: `disable` (the
/// default on a loopback host), `allow` or `prefer` (TLS when the server
/// offers it), `require` (the default elsewhere), `verify-ca` or
/// `verify-full`. Stricter than libpq, which trusts any certificate under
/// `require`: every mode with TLS checks the server's certificate, against
/// `sslrootcert` (a PEM file of the CAs to trust; a self-signed server
/// certificate is its own CA) or else the system's CAs, and its host name
/// too except under `verify-ca`. The link carries customers' data.
public enum PostgresURL {
    public static func configuration(_ text: String) throws -> PostgresClient.Configuration {
        let url = try components(text)
        let tls: PostgresClient.Configuration.TLS =
            switch try tlsSettings(text) {
            case (_, nil): .disable
            case (let required, let configuration?): required ? .require(configuration) : .prefer(configuration)
            }
        return PostgresClient.Configuration(
            host: url.host!, port: url.port ?? 5432, username: url.user!, password: url.password,
            database: String(url.path.drop { $0 == "/" }), tls: tls)
    }

    /// Whether the URL requires TLS, and how it is set up (nil: no TLS).
    package static func tlsSettings(_ text: String) throws -> (required: Bool, configuration: TLSConfiguration?) {
        let url = try components(text)
        let parameters = url.queryItems ?? []
        for parameter in parameters where parameter.name.hasPrefix("ssl") {
            guard ["sslmode", "sslrootcert"].contains(parameter.name) else {
                throw bad(text, "has \(parameter.name), which FieldSync does not read (it reads sslmode and sslrootcert)")
            }
        }
        let mode = parameters.first { $0.name == "sslmode" }?.value ?? (isLoopback(url.host!) ? "disable" : "require")
        guard mode != "disable" else { return (false, nil) }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let path = parameters.first(where: { $0.name == "sslrootcert" })?.value {
            // Read now: a wrong file would otherwise show only as a connection that never comes up.
            guard let certificates = try? NIOSSLCertificate.fromPEMFile(path), !certificates.isEmpty else {
                throw bad(text, "has sslrootcert=\(path), which is not a readable PEM file of the CAs to trust")
            }
            configuration.trustRoots = .certificates(certificates)
        }
        switch mode {
        case "allow", "prefer": return (false, configuration)
        case "require", "verify-full": return (true, configuration)
        case "verify-ca":
            configuration.certificateVerification = .noHostnameVerification
            return (true, configuration)
        default:
            throw bad(text, "has sslmode=\(mode), which is none of disable, allow, prefer, require, verify-ca, verify-full")
        }
    }

    static func isLoopback(_ host: String) -> Bool { ["localhost", "127.0.0.1", "::1"].contains(host) }

    private static func components(_ text: String) throws -> URLComponents {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            throw bad(text, "is not a postgres:// URL")
        }
        // Unescaped in a password, `#` starts a fragment, `/` the path, `%` an escape: the URL ends early, or fails.
        guard let url = URLComponents(string: text), url.fragment == nil, url.user != nil || !text.contains("@") else {
            throw bad(
                text,
                "does not parse: in the user or password, write # as %23, % as %25, @ as %40, / as %2F, ? as %3F and : as %3A"
            )
        }
        guard let host = url.host, !host.isEmpty else { throw bad(text, "names no host") }
        guard let user = url.user, !user.isEmpty else { throw bad(text, "names no user") }
        guard !url.path.drop(while: { $0 == "/" }).isEmpty else { throw bad(text, "names no database") }
        return url
    }

    private static func bad(_ text: String, _ why: String) -> ServiceError {
        ServiceError(
            .badArgument,
            "the PostgreSQL URL \(redacted(text)) \(why); write it as postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE&sslrootcert=PATH]"
        )
    }

    /// The URL without its password, for messages and logs. One that does
    /// not parse (a `#` or `%` unescaped in the password, say) loses
    /// everything between `://` and its last `@`.
    public static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let login = text[scheme.upperBound...].range(of: "@", options: .backwards)
        // Parsed as written only if it found the login the text has: `fs:12#4@host` parses as host fs, port 12.
        if var url = URLComponents(string: text), url.fragment == nil, (url.user != nil) == (login != nil) {
            guard url.password != nil else { return text }
            url.password = "***"
            return url.string ?? "(unreadable URL)"
        }
        guard let login else { return text }
        return text.replacingCharacters(in: scheme.upperBound..<login.lowerBound, with: "***")
    }
}
