import FieldSyncCore

/// A conflict on the wire (`GET /v1/conflicts`, `GET /v1/conflicts/{id}`).
public struct ConflictDocument: Codable, Sendable {
    public var conflict: Conflict

    public init(_ conflict: Conflict) { self.conflict = conflict }

    enum CodingKeys: String, CodingKey {
        case id, kind, table, column, sides, winner, status
        case rowID = "row_id"
        case detectedAt = "detected_at"
        case settledBy = "settled_by"
        case settledAt = "settled_at"
        case settledVersion = "settled_version"
    }

    struct Side: Codable {
        var column: String
        var value: WireValue
        var version: String
        var replica: String
        var manager: String?

        enum CodingKeys: String, CodingKey { case column, value, version, replica, manager }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kindText = try container.decode(String.self, forKey: .kind)
        let statusText = try container.decode(String.self, forKey: .status)
        guard let kind = Conflict.Kind(rawValue: kindText), let status = Conflict.Status(rawValue: statusText) else {
            throw WireError.malformed("kind or status is not one the protocol defines")
        }
        let sides = try container.decode([Side].self, forKey: .sides).map { side in
            guard let version = Version(side.version) else { throw WireError.malformed("sides[].version is not a version") }
            return Conflict.Side(column: side.column, value: side.value.value, version: version, manager: side.manager)
        }
        guard sides.count == 2 else { throw WireError.malformed("a conflict has two sides") }
        var settlement: Conflict.Settlement?
        if let by = try container.decodeIfPresent(String.self, forKey: .settledBy) {
            guard let at = try ISODate.millis(dateTime: container.decode(String.self, forKey: .settledAt)),
                let version = Version(try container.decode(String.self, forKey: .settledVersion))
            else { throw WireError.malformed("settled_at or settled_version is malformed") }
            settlement = Conflict.Settlement(by: by, atMillis: at, version: version)
        }
        guard let detected = ISODate.millis(dateTime: try container.decode(String.self, forKey: .detectedAt)) else {
            throw WireError.malformed("detected_at is not a date-time")
        }
        conflict = Conflict(
            id: try container.decode(Int64.self, forKey: .id), kind: kind,
            table: try container.decode(String.self, forKey: .table),
            rowID: try container.decode(String.self, forKey: .rowID),
            column: try container.decode(String.self, forKey: .column), sides: sides, detectedAtMillis: detected,
            status: status, settlement: settlement)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(conflict.id, forKey: .id)
        try container.encode(conflict.kind.rawValue, forKey: .kind)
        try container.encode(conflict.table, forKey: .table)
        try container.encode(conflict.rowID, forKey: .rowID)
        try container.encode(conflict.column, forKey: .column)
        try container.encode(
            conflict.sides.map {
                Side(
                    column: $0.column, value: WireValue($0.value), version: $0.version.description,
                    replica: $0.replica.description, manager: $0.manager)
            }, forKey: .sides)
        try container.encode(conflict.winner.version.description, forKey: .winner)
        try container.encode(conflict.status.rawValue, forKey: .status)
        try container.encode(ISODate.dateTimeMillis(millisSinceEpoch: conflict.detectedAtMillis), forKey: .detectedAt)
        if let settlement = conflict.settlement {
            try container.encode(settlement.by, forKey: .settledBy)
            try container.encode(ISODate.dateTimeMillis(millisSinceEpoch: settlement.atMillis), forKey: .settledAt)
            try container.encode(settlement.version.description, forKey: .settledVersion)
        }
    }
}

/// `GET /v1/conflicts?status=open|settled|all`.
public struct ConflictListResponse: Codable, Sendable {
    public var conflicts: [ConflictDocument]

    public init(_ conflicts: [Conflict]) { self.conflicts = conflicts.map(ConflictDocument.init) }

    enum CodingKeys: String, CodingKey { case conflicts }
}

/// `POST /v1/conflicts/{id}/settle`: keep one side (by its version) or write
/// a new value. Who settled is the manager the token speaks for.
public struct SettleRequest: Codable, Sendable {
    public var resolution: ConflictResolution

    public init(resolution: ConflictResolution) {
        self.resolution = resolution
    }

    enum CodingKeys: String, CodingKey { case keep, value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch (container.contains(.keep), container.contains(.value)) {
        case (true, false):
            guard let version = Version(try container.decode(String.self, forKey: .keep)) else {
                throw WireError.malformed("keep is not a version (TIMESTAMP-REPLICA, 16+16 hex digits)")
            }
            resolution = .keep(version)
        case (false, true):
            resolution = .value(try container.decode(WireValue.self, forKey: .value).value)
        default:
            throw WireError.malformed("a settlement names exactly one of keep (a side's version) or value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch resolution {
        case .keep(let version): try container.encode(version.description, forKey: .keep)
        case .value(let value): try container.encode(WireValue(value), forKey: .value)
        }
    }
}
