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
    /// The pool's settings (`PostgresTarget` holds them with a single connection's).
    public static func configuration(_ text: String) throws -> PostgresClient.Configuration {
        try PostgresTarget(url: text).pool
    }

    /// Whether the URL requires TLS, and how it is set up (nil: no TLS).
    package static func tlsSettings(_ text: String) throws -> (required: Bool, configuration: TLSConfiguration?) {
        try tlsSettings(components(text), text)
    }

    static func tlsSettings(
        _ url: URLComponents, _ text: String
    ) throws -> (required: Bool, configuration: TLSConfiguration?) {
        let parameters = url.queryItems ?? []
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

    static func isLoopback(_ host: String) -> Bool { ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host) }

    /// The parameters a URL may carry: any other is refused rather than ignored (a `password=` among them).
    private static let parameters: Set<String> = ["sslmode", "sslrootcert"]

    static func components(_ text: String) throws -> URLComponents {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            throw bad(text, "is not a postgres:// URL")
        }
        guard let url = parsedAsWritten(text) else {
            throw bad(
                text,
                "does not parse: in the user or password, write # as %23, % as %25, @ as %40, / as %2F, ? as %3F and : as %3A"
            )
        }
        guard let host = url.host, !host.isEmpty else { throw bad(text, "names no host") }
        guard let user = url.user, !user.isEmpty else { throw bad(text, "names no user") }
        guard !url.path.drop(while: { $0 == "/" }).isEmpty else { throw bad(text, "names no database") }
        if let other = url.queryItems?.first(where: { !parameters.contains($0.name) }) {
            throw bad(text, "has \(other.name), which FieldSync does not read (it reads sslmode and sslrootcert)")
        }
        return url
    }

    /// The URL's parts, if they are the ones written. Unescaped in a
    /// password, `#` starts a fragment, `/` the path, `?` the query and `@`
    /// the host: the URL then parses with another host (`fs:p@ss/x@db` as
    /// host ss), or not at all. So the login is all before the last `@`,
    /// and holds none of them.
    private static func parsedAsWritten(_ text: String) -> URLComponents? {
        guard let scheme = text.range(of: "://"), let url = URLComponents(string: text), url.fragment == nil,
            let host = url.percentEncodedHost
        else { return nil }
        let rest = text[scheme.upperBound...]
        let at = rest.lastIndex(of: "@")
        guard (at != nil) == (url.user != nil) else { return nil }
        if let at, rest[..<at].contains(where: { "/?#".contains($0) }) { return nil }
        let afterLogin = at.map { rest[rest.index(after: $0)...] } ?? rest
        let written = afterLogin.prefix { $0 != "/" && $0 != "?" }
        return written == host + (url.port.map { ":\($0)" } ?? "") ? url : nil
    }

    private static func bad(_ text: String, _ why: String) -> ServiceError {
        ServiceError(
            .badArgument,
            "the PostgreSQL URL \(redacted(text)) \(why); write it as postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE&sslrootcert=PATH]"
        )
    }

    /// The URL without its password, for messages and logs. One that does
    /// not parse as written (a `#`, `/`, `?`, `@` or `%` unescaped in the
    /// password) loses everything between `://` and its last `@`; a
    /// parameter FieldSync does not read (`password=`, say) its value; text
    /// that is no URL at all (libpq's `key=value` form) is not shown.
    public static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return "(not shown: not a URL)" }
        var rest = String(text[scheme.upperBound...])
        var login = ""
        if let at = rest.lastIndex(of: "@") {
            if let url = parsedAsWritten(text), let user = url.percentEncodedUser {
                login = url.percentEncodedPassword == nil ? user : user + ":***"
            } else {
                login = "***"
            }
            login += "@"
            rest = String(rest[rest.index(after: at)...])
        }
        if let query = rest.firstIndex(of: "?") {
            let items = rest[rest.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false).map {
                let name = $0.prefix { $0 != "=" }
                return parameters.contains(String(name)) ? String($0) : name + "=***"
            }
            rest = rest[...query] + items.joined(separator: "&")
        }
        return text[..<scheme.upperBound] + login + rest
    }
}
