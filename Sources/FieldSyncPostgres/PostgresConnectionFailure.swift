import FieldSyncService
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// Why a connection to PostgreSQL could not be made, and what to do about
/// it, in words for the service's operators: a refused login, a missing
/// database, nothing listening, TLS. The pool only ever says that it could
/// not connect, so the store opens one connection itself to learn why.
struct PostgresConnectionFailure: Error, Sendable, CustomStringConvertible {
    var reason: String
    var advice: String

    /// How long the one connection may take to come up.
    static let connectTimeout = TimeAmount.seconds(5)

    /// Opens one connection outside the pool and closes it: nil when it came up.
    static func probe(_ target: PostgresTarget, logger: Logger) async -> PostgresConnectionFailure? {
        var configuration = target.single
        configuration.options.connectTimeout = connectTimeout
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
            return nil
        } catch {
            return PostgresConnectionFailure(error)
        }
    }

    var description: String { "\(reason); \(advice)" }

    /// The error a store that cannot connect to `location` fails with.
    func error(at location: String) -> ServiceError {
        ServiceError(.storage, "cannot connect to PostgreSQL at \(location): \(self)")
    }

    init(reason: String, advice: String) {
        self.reason = reason
        self.advice = advice
    }

    init(_ error: any Error) {
        let checkURL = "check the URL's user and password, and pg_hba.conf on the server"
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                let message = error.serverInfo?[.message] ?? "no message"
                let reason = "PostgreSQL refused: \(message) (SQLSTATE \(state))"
                switch state {
                case "28P01", "28000": self.init(reason: reason, advice: checkURL)
                case "3D000":
                    self.init(
                        reason: reason, advice: "create the database (createdb) or correct the URL's database name")
                case "53300": self.init(reason: reason, advice: "raise max_connections or lower other clients' use")
                case "57P03":
                    self.init(
                        reason: reason,
                        advice: "wait: PostgreSQL is starting, stopping or recovering (after a failover, say)")
                default: self.init(reason: reason, advice: PostgresCentralStore.connectionAdvice)
                }
                return
            }
            switch error.code {
            case .sslUnsupported:
                self.init(
                    reason:
                        "the server does not offer TLS, which the URL's sslmode requires (require is the default for a host other than this one)",
                    advice: "turn TLS on in the server (ssl = on) or, on a trusted network only, set sslmode=disable")
                return
            case .serverClosedConnection:
                self.init(
                    reason: "the other end closed the connection before PostgreSQL's login finished",
                    advice: "check that the URL's host and port are PostgreSQL's, not another service's or a proxy's")
                return
            case .authMechanismRequiresPassword:
                self.init(reason: "the server asks for a password and the URL gives none", advice: checkURL)
                return
            case .unsupportedAuthMechanism:
                self.init(
                    reason:
                        "the server asks for a login method FieldSync does not speak (it speaks password, md5 and scram-sha-256)",
                    advice: "change the method in pg_hba.conf")
                return
            default:
                if let underlying = error.underlying {
                    self.init(underlying)
                    return
                }
            }
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                self.init(
                    reason: "the host name \(error.host) does not resolve",
                    advice: "check the URL's host name (and this machine's DNS)")
            } else if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                self.init(
                    reason: "nothing listens at \(error.host):\(error.port) (connection refused)",
                    advice: "check that PostgreSQL runs, and the URL's host and port (listen_addresses, port)")
            } else {
                self.init(
                    reason:
                        "cannot reach \(error.host):\(error.port) (\(error.connectionErrors.map { "\($0.error)" }.joined(separator: "; ")))",
                    advice: PostgresCentralStore.connectionAdvice)
            }
            return
        }
        if case ChannelError.connectTimeout = error {
            self.init(
                reason: "no answer within \(Self.connectTimeout.nanoseconds / 1_000_000_000) s",
                advice: "check that the host is up and that no firewall drops the connection")
            return
        }
        if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            self.init(reason: "TLS failed (\(error))", advice: PostgresCentralStore.connectionAdvice)
            return
        }
        self.init(reason: String(reflecting: error), advice: PostgresCentralStore.connectionAdvice)
    }
}
