import FieldSyncCore

/// Every error the service answers: `{"error": {"code", "message", "server_time"?}}`,
/// with a code from protocol/errors.md and a message a person can act on.
public struct ErrorResponse: Codable, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String
    /// With `clock_skew`: the service's clock, Unix milliseconds.
    public var serverTimeMillis: UInt64?
    /// With a push refused for breaking the schema: every change at fault, with its own code.
    public var rejected: [ChangeRejection]?

    public init(code: ErrorCode, message: String, serverTimeMillis: UInt64? = nil, rejected: [ChangeRejection]? = nil) {
        self.code = code
        self.message = message
        self.serverTimeMillis = serverTimeMillis
        self.rejected = rejected
    }

    enum CodingKeys: String, CodingKey { case error }
    enum BodyKeys: String, CodingKey {
        case code, message, rejected
        case serverTime = "server_time"
    }

    public init(from decoder: any Decoder) throws {
        let body = try decoder.container(keyedBy: CodingKeys.self).nestedContainer(keyedBy: BodyKeys.self, forKey: .error)
        code = ErrorCode(rawValue: try body.decode(String.self, forKey: .code))
        message = try body.decode(String.self, forKey: .message)
        serverTimeMillis = try body.decodeIfPresent(UInt64.self, forKey: .serverTime)
        rejected = try body.decodeIfPresent([WireRejection].self, forKey: .rejected).map {
            try WireRejection.rejections($0, path: "error.rejected")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var body = container.nestedContainer(keyedBy: BodyKeys.self, forKey: .error)
        try body.encode(code.rawValue, forKey: .code)
        try body.encode(message, forKey: .message)
        try body.encodeIfPresent(serverTimeMillis, forKey: .serverTime)
        try body.encodeIfPresent(rejected?.map(WireRejection.init), forKey: .rejected)
    }
}
