import FieldSyncCore

/// Every error the service answers: `{"error": {"code", "message", "server_time"?}}`,
/// with a code from protocol/errors.md and a message a person can act on.
public struct ErrorResponse: Codable, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String
    /// With `clock_skew`: the service's clock, Unix milliseconds.
    public var serverTimeMillis: UInt64?

    public init(code: ErrorCode, message: String, serverTimeMillis: UInt64? = nil) {
        self.code = code
        self.message = message
        self.serverTimeMillis = serverTimeMillis
    }

    enum CodingKeys: String, CodingKey { case error }
    enum BodyKeys: String, CodingKey {
        case code, message
        case serverTime = "server_time"
    }

    public init(from decoder: any Decoder) throws {
        let body = try decoder.container(keyedBy: CodingKeys.self).nestedContainer(keyedBy: BodyKeys.self, forKey: .error)
        code = ErrorCode(rawValue: try body.decode(String.self, forKey: .code))
        message = try body.decode(String.self, forKey: .message)
        serverTimeMillis = try body.decodeIfPresent(UInt64.self, forKey: .serverTime)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var body = container.nestedContainer(keyedBy: BodyKeys.self, forKey: .error)
        try body.encode(code.rawValue, forKey: .code)
        try body.encode(message, forKey: .message)
        try body.encodeIfPresent(serverTimeMillis, forKey: .serverTime)
    }
}
