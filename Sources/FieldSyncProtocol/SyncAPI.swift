/// The HTTP surface of protocol v1 (protocol/openapi.yaml).
public enum SyncAPI {
    /// Every `/v1` request names the schema version it was written against;
    /// the service refuses any other with `schema_version`, never mis-merges.
    public static let schemaVersionHeader = "FieldSync-Schema-Version"

    public static let health = "/health"
    public static let ready = "/ready"
    public static let metrics = "/metrics"
    public static let push = "/v1/push"
    public static let pull = "/v1/pull"
    public static let digest = "/v1/digest"
    public static let conflicts = "/v1/conflicts"
    public static func conflict(_ id: Int64) -> String { "/v1/conflicts/\(id)" }
    public static func settle(_ id: Int64) -> String { "/v1/conflicts/\(id)/settle" }
    public static func reassign(_ customer: String) -> String { "/v1/customers/\(customer)/reassign" }
    public static let report = "/v1/report"

    /// Rows per pull page when the client names no limit, and the most it may ask for.
    public static let defaultPullLimit = 1000
    public static let maxPullLimit = 10_000
    /// The largest request body accepted, after gzip decoding.
    public static let defaultMaxBodyBytes = 8 * 1024 * 1024
}
