import FieldSyncCore
import FieldSyncProtocol
import FieldSyncService
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// An error answered as `{"error": {"code", "message"}}` with the HTTP status its code calls for.
struct APIError: Error, FieldSyncError {
    let code: ErrorCode
    let message: String
    var serverTimeMillis: UInt64?
    var rejected: [ChangeRejection]?
    /// The HTTP status: the one the code calls for, but for `/ready`'s 503.
    var status: HTTPResponse.Status

    init(_ code: ErrorCode, _ message: String, serverTimeMillis: UInt64? = nil, rejected: [ChangeRejection]? = nil) {
        self.code = code
        self.message = message
        self.serverTimeMillis = serverTimeMillis
        self.rejected = rejected
        status = Self.status(for: code)
    }

    /// Any error a handler threw: FieldSync's own keep their code; Hummingbird's
    /// keep their status; anything else is a bug (`internal`; the other 5xx is `storage`).
    init(_ error: any Error) {
        switch error {
        case let error as APIError:
            self = error
        case let error as InvalidChanges:
            self.init(error.code, error.message, rejected: error.rejections)
        case let error as any FieldSyncError:
            self.init(error.code, error.message)
        case is HTTPParserError:
            // Met while reading the body: the client broke off (a dropped mobile link), or sent no HTTP.
            self.init(
                .malformed,
                "the request was cut off or is not valid HTTP (its body ended before its length, or the connection dropped); send it again"
            )
        case is NIOTooManyBytesError:
            self.init(.tooLarge, "the request body is larger than the service accepts; push in smaller batches")
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge:
                self.init(.tooLarge, "the request body is larger than the service accepts; push in smaller batches")
            case .notFound:
                self.init(.notFound, "no such endpoint; see protocol/openapi.yaml")
            case .methodNotAllowed:
                self.init(.notFound, "this endpoint does not take that method; see protocol/openapi.yaml")
            default:
                self.init(
                    error.status.code < 500 ? .malformed : .internal,
                    error.body ?? error.status.reasonPhrase)
            }
        default:
            self.init(.internal, Self.failureMessage(.internal))
        }
    }

    static func status(for code: ErrorCode) -> HTTPResponse.Status {
        switch code {
        case .notFound, .unknownConflict, .unknownRecord, .unknownManager: .notFound
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .alreadySettled, .managerExists: .conflict
        case .tooLarge: .contentTooLarge
        case .internal, .storage: .internalServerError
        default: .badRequest
        }
    }

    /// What the caller is told. A 5xx's own message is for the service's
    /// operators (it names the database, its host, its error): they read it
    /// in the service's log; a device gets the code and what to do.
    var body: ErrorResponse {
        ErrorResponse(
            code: code, message: status.code >= 500 ? Self.failureMessage(code) : message,
            serverTimeMillis: serverTimeMillis, rejected: rejected)
    }

    static func failureMessage(_ code: ErrorCode) -> String {
        switch code {
        case .storage:
            "the service's database failed; the service logged why for its operators; retry later"
        default:
            "the service failed; please report this with the time of the request"
        }
    }
}
