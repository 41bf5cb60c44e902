import FieldSyncCore

/// `POST /v1/customers/{id}/reassign`: give a customer to another manager
/// (supervisors within their branch, admins anywhere).
public struct ReassignRequest: Codable, Sendable, Equatable {
    public var to: String

    public init(to: String) { self.to = to }
}

/// A customer's change of owner, as the service made it.
public struct Reassignment: Codable, Sendable, Equatable {
    public static let format = "fieldsync-reassignment"

    public var customer: String
    public var from: String?
    public var to: String
    /// The version of the new `owner`: the old owner's edits made before it are still accepted.
    public var version: Version
    /// The customer's interactions, tasks and holdings that moved with it.
    public var records: Int

    /// What happened, for people (both command lines print it).
    public var summary: String {
        "Customer \(customer) is now \(to)'s (was \(from ?? "nobody")'s); \(records) of its records moved with it."
    }

    public init(customer: String, from: String?, to: String, version: Version, records: Int) {
        self.customer = customer
        self.from = from
        self.to = to
        self.version = version
        self.records = records
    }

    enum CodingKeys: String, CodingKey {
        case format, customer, from, to, version, records
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try WireFormat.check(container, .format, expected: Self.format)
        customer = try container.decode(String.self, forKey: .customer)
        from = try container.decodeIfPresent(String.self, forKey: .from)
        to = try container.decode(String.self, forKey: .to)
        guard let version = Version(try container.decode(String.self, forKey: .version)) else {
            throw WireError.malformed("version is not a version")
        }
        self.version = version
        records = try container.decode(Int.self, forKey: .records)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.format, forKey: .format)
        try container.encode(customer, forKey: .customer)
        try container.encodeIfPresent(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(version.description, forKey: .version)
        try container.encode(records, forKey: .records)
    }
}
