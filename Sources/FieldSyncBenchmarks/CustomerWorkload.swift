import FieldSyncCore

/// Deterministic customer records for benchmarks, as the C reference in
/// shared/reference generates them: an initial state (every field of every
/// record, replica 1, timestamp (T0 + record) << 16), then an incoming set
/// where every field gets a fresh value whose version is above or below the
/// initial one with probability 1/2 (replica 2), records in shuffled order.
public struct CustomerWorkload {
    public static let startMillis: UInt64 = 1_700_000_000_000

    public let table: TableSchema
    public let ids: [String]
    public let incoming: ChangeSet
    public let expectedWinners: Int
    private let seed: UInt64

    public init(records: Int, seed: UInt64 = 0x5EED) {
        self.seed = seed
        var generator = SeededGenerator(seed: seed)
        table = try! Schema.default.table("customers")
        ids = (0..<records).map { _ in RowID.random(using: &generator) }
        let second = ReplicaID(rawValue: 2)!
        var order = Array(ids.indices)
        order.shuffle(using: &generator)
        var changes: [FieldChange] = []
        changes.reserveCapacity(records * table.columns.count)
        var winners = 0
        for record in order {
            let base = Self.initialTimestamp(record).rawValue
            for column in table.columns {
                let delta = (1 + generator.next() % 1000) << 16
                let wins = generator.next() & 1 == 1
                winners += wins ? 1 : 0
                changes.append(
                    FieldChange(
                        table: table.name, rowID: ids[record], column: column.name,
                        value: Self.value(for: column, using: &generator),
                        version: Version(
                            timestamp: HybridTimestamp(rawValue: wins ? base + delta : base - delta), replica: second)))
            }
        }
        incoming = ChangeSet(schemaVersion: Schema.default.version, changes: changes)
        expectedWinners = winners
    }

    static func initialTimestamp(_ record: Int) -> HybridTimestamp {
        HybridTimestamp(millis: startMillis + UInt64(record), counter: 0)
    }

    /// The initial state in change sets of `batchSize` records, generated on
    /// demand so a benchmark's memory holds one batch at a time.
    public func initialState(batchSize: Int = 5_000) -> some Sequence<ChangeSet> {
        var generator = SeededGenerator(seed: seed ^ 0xA11CE)
        let first = ReplicaID(rawValue: 1)!
        return stride(from: 0, to: ids.count, by: batchSize).lazy.map { start in
            var changes: [FieldChange] = []
            for record in start..<min(start + batchSize, ids.count) {
                let version = Version(timestamp: Self.initialTimestamp(record), replica: first)
                for column in table.columns {
                    changes.append(
                        FieldChange(
                            table: table.name, rowID: ids[record], column: column.name,
                            value: Self.value(for: column, using: &generator), version: version))
                }
            }
            return ChangeSet(schemaVersion: Schema.default.version, changes: changes)
        }
    }

    static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-@")

    /// A random value the column accepts.
    public static func value(for column: ColumnSchema, using generator: inout SeededGenerator) -> Value {
        switch column.type {
        case .text:
            let count = 8 + Int(generator.next() % 25)
            return .text(String((0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }))
        case .manager: return .text("manager-\(generator.next() % 64)")
        case .integer, .money: return .integer(Int64(generator.next() % 1_000_000_000))
        case .real: return .real(Double(generator.next() % 100_000_000) / 100)
        case .boolean: return .integer(0)
        case .date:
            return .text(ISODate.dateString(ISODate.Day(daysSinceEpoch: -20000 + Int(generator.next() % 20000))))
        case .dateTime:
            return .text(ISODate.dateTime(millisSinceEpoch: startMillis + generator.next() % 10_000_000_000))
        case .enumeration(let allowed): return .text(allowed[Int(generator.next() % UInt64(allowed.count))])
        case .currency: return .text(["EUR", "USD", "CHF", "GBP"][Int(generator.next() % 4)])
        case .reference: return .text(RowID.random(using: &generator))
        }
    }
}
