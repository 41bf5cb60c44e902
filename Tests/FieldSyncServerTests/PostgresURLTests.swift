import FieldSyncPostgres
import FieldSyncService
import FieldSyncTestSupport
import Foundation
import NIOSSL
import Testing

@Suite("PostgreSQL URLs: read as libpq reads them, never shown with their password")
struct PostgresURLTests {
    @Test(
        "a URL is shown without its password, even one that does not parse",
        arguments: [
            ("postgres://fs:s3cret@db.example.test/branch", "postgres://fs:***@db.example.test/branch"),
            ("postgres://fs:p#ss%word@db.example.test/branch", "postgres://***@db.example.test/branch"),
            ("postgres://fs:p#ss@db.example.test/branch", "postgres://***@db.example.test/branch"),
            ("postgres://fs:12#45@db.example.test/branch", "postgres://***@db.example.test/branch"),
            ("postgres://fs:12/45@db.example.test/branch", "postgres://***@db.example.test/branch"),
            ("postgres://fs:p@ss/word@db.example.test/branch", "postgres://***@db.example.test/branch"),
            ("postgres://fs:p@ss?word@db.example.test/branch", "postgres://***@db.example.test/branch"),
            ("postgres://fs@db.example.test/branch?password=s3cret", "postgres://fs@db.example.test/branch?password=***"),
            (
                "postgres://fs:s3cret@db.example.test/branch?sslmode=require",
                "postgres://fs:***@db.example.test/branch?sslmode=require"
            ),
            ("host=db.example.test user=fs password=s3cret", "(not shown: not a URL)"),
            ("postgres://fs@db.example.test/branch", "postgres://fs@db.example.test/branch"),
        ])
    func redacted(url: String, shown: String) {
        #expect(PostgresURL.redacted(url) == shown)
    }

    @Test("a URL that does not parse is refused without showing its password")
    func unreadableURL() {
        #expect {
            try PostgresURL.configuration("postgres://fs:p#ss%word@db.example.test/branch")
        } throws: { error in
            let message = String(describing: error)
            return message.contains("postgres://***@db.example.test/branch") && !message.contains("p#ss")
                && message.contains("does not parse: in the user or password, write # as %23, % as %25")
        }
        // After digits a `#` parses, as host fs, port 12 and a fragment: refused the same way, not as "names no user".
        #expect {
            try PostgresURL.configuration("postgres://fs:12#45@db.example.test/branch")
        } throws: { error in
            let message = String(describing: error)
            return message.contains("does not parse") && !message.contains("12#45")
        }
    }

    @Test("sslmode=disable to another machine is taken but marked, for a warning; on the loopback it is not")
    func unencryptedOverNetwork() throws {
        #expect(try PostgresTarget(url: Self.remote + "?sslmode=disable").unencryptedOverNetwork)
        #expect(try !PostgresTarget(url: Self.remote).unencryptedOverNetwork)
        #expect(try !PostgresTarget(url: "postgres://fs@127.0.0.1/branch").unencryptedOverNetwork)
    }

    @Test("a password with an unescaped @ and / or ? is refused as not parsing, not read as another host")
    func loginParsedAsWritten() throws {
        for url in ["postgres://fs:p@ss/word@db.example.test/branch", "postgres://fs:p@ss?word@db.example.test/branch"] {
            #expect {
                try PostgresURL.configuration(url)
            } throws: { error in
                let message = String(describing: error)
                return message.contains("does not parse") && !message.contains("ss/word") && !message.contains("ss?word")
            }
        }
        #expect(try PostgresURL.configuration("postgres://fs:p%40ss%2Fword@db.example.test/branch").password == "p@ss/word")
    }

    @Test("an IPv6 loopback address: connected to without its brackets, and with TLS off by default")
    func ipv6Loopback() throws {
        let target = try PostgresTarget(url: "postgres://fs@[::1]:5433/branch")
        #expect(target.pool.host == "::1" && target.pool.port == 5433 && !target.unencryptedOverNetwork)
        #expect(try PostgresURL.tlsSettings("postgres://fs@[::1]:5433/branch").configuration == nil)
    }

    static let remote = "postgres://fs:s3cret@db.example.test/branch"

    @Test("TLS: none on the loopback unless asked; elsewhere required, the certificate and its host name checked")
    func tlsDefaults() throws {
        #expect(try PostgresURL.tlsSettings("postgres://fs@127.0.0.1/branch").configuration == nil)
        let remote = try PostgresURL.tlsSettings(Self.remote)
        #expect(remote.required && remote.configuration?.certificateVerification == .fullVerification)
        let preferred = try PostgresURL.tlsSettings(Self.remote + "?sslmode=prefer")
        #expect(!preferred.required && preferred.configuration?.certificateVerification == .fullVerification)
        #expect(try PostgresURL.tlsSettings(Self.remote + "?sslmode=disable").configuration == nil)
    }

    /// A private CA (or a self-signed server certificate) is trusted only
    /// through `sslrootcert`, which was ignored: such a server could not be
    /// reached with TLS at all.
    @Test("sslrootcert names the CAs to trust; verify-ca checks the chain but not the host name")
    func rootCertificate() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("root.pem")
        try Data(SecureConnectionTests.certificate.utf8).write(to: URL(fileURLWithPath: path))
        let trusted = try PostgresURL.tlsSettings(Self.remote + "?sslmode=verify-full&sslrootcert=\(path)")
        #expect(trusted.configuration?.trustRoots == .certificates(try NIOSSLCertificate.fromPEMFile(path)))
        #expect(trusted.configuration?.certificateVerification == .fullVerification)
        let chainOnly = try PostgresURL.tlsSettings(Self.remote + "?sslmode=verify-ca&sslrootcert=\(path)")
        #expect(chainOnly.required && chainOnly.configuration?.certificateVerification == .noHostnameVerification)
    }

    @Test(
        "refused, naming what to fix and never the password: an unknown sslmode, an unreadable sslrootcert, ssl settings FieldSync does not read",
        arguments: [
            ("?sslmode=verify", "none of disable, allow, prefer, require, verify-ca, verify-full"),
            ("?sslrootcert=/nonexistent/root.pem", "not a readable PEM file"),
            ("?sslrootcert=/dev/null", "not a readable PEM file"),
            ("?sslmode=require&sslcert=/etc/client.pem", "sslcert, which FieldSync does not read"),
            ("?password=s3cret", "password, which FieldSync does not read"),
        ])
    func badTLSSettings(query: String, mentions: String) {
        #expect {
            try PostgresURL.configuration(Self.remote + query)
        } throws: { error in
            let message = String(describing: error)
            return message.contains(mentions) && !message.contains("s3cret")
        }
    }
}
