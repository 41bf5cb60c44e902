import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Why a request got no answer, in words a person can act on ("connection
/// refused", "the host name could not be resolved"), not a type dump.
enum TransportFailure {
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "the host name could not be resolved" }
            if let first = error.connectionErrors.first { return reason(first.error) }
            return "no address to connect to"
        case let error as IOError:
            return String(cString: strerror(error.errnoCode)).lowercased()
        case is SocketAddressError, is SocketAddressError.UnknownHost:
            return "the host name could not be resolved"
        case ChannelError.connectTimeout:
            return "no connection within 5 s"
        case let error as HTTPClientError:
            return reason(error)
        default:
            return secureConnectionFailure(error) ?? String(describing: error)
        }
    }

    static func reason(_ error: HTTPClientError) -> String {
        switch error {
        case .connectTimeout: "no connection within 5 s"
        case .readTimeout: "no answer within 60 s"
        case .deadlineExceeded: "the request took too long"
        case .remoteConnectionClosed: "the connection closed before the answer arrived"
        case .tlsHandshakeTimeout: "the secure connection could not be set up in time"
        default: error.shortDescription.lowercased()
        }
    }

    /// Why a secure connection could not be set up, or nil when `error` is
    /// not that: trying again from the same network gives the same answer,
    /// unlike a network that is down. (A secure connection cut short
    /// mid-request is the network's doing, and not one of these.)
    static func secureConnectionFailure(_ error: any Error) -> String? {
        switch error {
        case NIOSSLError.handshakeFailed(let cause): reason(cause)
        case let error as BoringSSLError: reason(error)
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            "the service's certificate is issued for another name (a wrong address, or a network that intercepts secure connections)"
        default: nil
        }
    }

    /// BoringSSL names its failures in capitals (CERTIFICATE_VERIFY_FAILED);
    /// the common ones get words.
    private static func reason(_ error: BoringSSLError) -> String {
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the service's certificate is not trusted (expired, issued for another name, or replaced by a network that intercepts secure connections)"
        }
        if text.contains("WRONG_VERSION_NUMBER") {
            return "the service does not speak https at this address (should the URL start with http://?)"
        }
        return "the secure connection could not be set up (\(text))"
    }

    /// The URL itself is unusable: retrying will not help, fixing the configuration will.
    static func isBadURL(_ error: HTTPClientError) -> Bool {
        error == .invalidURL || error == .emptyHost || error == .emptyScheme
            || error.shortDescription == HTTPClientError.unsupportedScheme("").shortDescription
    }
}
