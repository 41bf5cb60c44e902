import Logging
import PostgresNIO

/// The advisory locks a transaction takes so two instances never decide
/// about one record at once: a key per record, in one order (by key), so two
/// transactions never wait for each other. Records not yet created are
/// locked by the same keys.
///
/// Advisory locks share PostgreSQL's lock table with every other lock, sized
/// for `max_locks_per_transaction` (64 by default) per connection across the
/// cluster. A push naming thousands of records, or a reassignment of a
/// customer with thousands of visits, filled it, and then every session's
/// next lock failed ("out of shared memory"). So every transaction first
/// takes one store-wide key: shared, beside its records' keys; past
/// `maxRecordKeys` records, exclusive and alone, which waits for the
/// transactions in flight and holds the others back until it commits.
/// Keeping each transaction within the default keeps the table's sizing
/// true however many instances run.
package struct RecordLocks: Equatable {
    /// Keys in the order they are taken, the store-wide key first.
    package let keys: [RecordLockKey]
    /// Whether the store-wide key is taken exclusively (and no record's key).
    package let exclusive: Bool

    package static let maxRecordKeys = 64

    package init(_ records: some Sequence<(table: String, id: String)>, tables: [String]) {
        var keys = Set<RecordLockKey>()
        for (table, id) in records {
            keys.insert(RecordLockKey(table: tables.firstIndex(of: table) ?? -1, id: id))
        }
        exclusive = keys.count > Self.maxRecordKeys
        self.keys = [.storeWide] + (exclusive ? [] : keys.sorted())
    }

    /// For each key, whether it is taken exclusively: every record's key, and
    /// the store-wide key when it stands alone.
    package var exclusiveKeys: [Bool] { keys.indices.map { $0 > 0 || exclusive } }

    /// Takes the locks in `connection`'s transaction (none for no records).
    /// Once per transaction, before any other lock: a second call could ask
    /// to upgrade the store-wide key, and wait for itself.
    package func take(on connection: PostgresConnection, logger: Logger) async throws {
        guard keys.count > 1 || exclusive else { return }
        _ = try await connection.run(Self.selectTaking, arguments, prepared: true, logger: logger)
    }

    /// The three arrays `selectTaking` unnests: tables, hashes, and 1 where a key is exclusive.
    var arguments: [PostgresArgument] {
        [
            .integers(keys.map(\.table)), .integers(keys.map(\.hash)),
            .integers(exclusiveKeys.map { $0 ? 1 : 0 }),
        ]
    }

    /// Takes the locks in the arrays' order (sorted on it before any is
    /// taken), and counts them.
    static let selectTaking = """
        SELECT count(CASE WHEN k.x = 1 THEN pg_advisory_xact_lock(k.t, k.i) ELSE pg_advisory_xact_lock_shared(k.t, k.i) END)
        FROM (SELECT * FROM unnest(?::int4[], ?::int4[], ?::int4[]) WITH ORDINALITY AS u(t, i, x, n) ORDER BY n) k
        """
}

/// A record's advisory lock: its table's position and a hash of its id
/// (two records sharing a hash only wait for each other needlessly).
package struct RecordLockKey: Hashable, Comparable, Sendable {
    package let table: Int32
    package let hash: Int32

    package init(table: Int, id: String) {
        self.table = Int32(table)
        // FNV-1a: stable across processes and instances, unlike Swift's hashing.
        var hash: UInt32 = 2_166_136_261
        for byte in id.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        self.hash = Int32(bitPattern: hash)
    }

    private init(table: Int32, hash: Int32) {
        self.table = table
        self.hash = hash
    }

    /// Below every table's keys (-1 is a table the schema lacks).
    package static let storeWide = RecordLockKey(table: -2, hash: 0)

    package static func < (lhs: Self, rhs: Self) -> Bool { (lhs.table, lhs.hash) < (rhs.table, rhs.hash) }
}
