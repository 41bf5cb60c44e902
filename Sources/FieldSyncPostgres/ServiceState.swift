import FieldSyncCore
import FieldSyncReplica
import FieldSyncService
import Logging
import PostgresNIO

/// The one `svc_state` row, locked for a transaction that changes records:
/// its change counter (the next `seq`) and the service's clock. Taken last,
/// held to commit (see `PostgresCentralStore`), so counters commit in order.
struct ServiceState {
    let seq: Int64
    var clock: HybridLogicalClock
    let replica: ReplicaID

    static func lock(
        _ connection: PostgresConnection, maxDriftMillis: UInt64, wallClock: @escaping HybridLogicalClock.WallClock,
        logger: Logger
    ) async throws -> ServiceState {
        guard
            let row = try await connection.rows(
                "SELECT seq, clock, replica FROM svc_state WHERE id = 1 FOR UPDATE", logger: logger
            )
            .first,
            let replica = ReplicaID(rawValue: UInt64(bitPattern: try row[2].decode(Int64.self)))
        else {
            throw ServiceError(.storage, "the store has no service state row; it was not created by fieldsync-server")
        }
        let clock = HybridLogicalClock(
            last: HybridTimestamp(rawValue: UInt64(bitPattern: try row[1].decode(Int64.self))),
            maxDriftMillis: maxDriftMillis,
            wallClock: wallClock)
        return ServiceState(seq: try row[0].decode(Int64.self) + 1, clock: clock, replica: replica)
    }

    /// Locks the row until commit without reading it: for a push, which
    /// takes the counter as it commits, that must keep others from committing first.
    static func hold(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.run("SELECT 1 FROM svc_state WHERE id = 1 FOR UPDATE", logger: logger)
    }

    /// Saves the counter and the clock, then notes whose books the
    /// transaction changed (`PostgresScopeChanges`); the row stays locked until commit.
    func save(_ connection: PostgresConnection, schema: Schema, logger: Logger) async throws {
        try await connection.run(
            "UPDATE svc_state SET seq = ?, clock = ?, \(PostgresScopeChanges.advancingMark()) WHERE id = 1",
            [.integer(seq), .integer(Int64(bitPattern: clock.last.rawValue))], logger: logger)
        try await connection.run(
            PostgresScopeChanges.noting(schema, seq: "(SELECT seq FROM svc_state WHERE id = 1)"), logger: logger)
    }

    /// A fresh version for the service's own edit of fields holding `current`
    /// versions: past every one of them (they may be ahead of this clock by
    /// up to the drift bound).
    mutating func stamp(past current: [Version?], field: (Int) -> String) throws -> Version {
        for (index, version) in current.enumerated() {
            guard let version, version.timestamp >= clock.last else { continue }
            do throws(ClockSkew) { try clock.observe(version.timestamp) } catch {
                throw ServiceError(
                    .clockSkew,
                    "\(field(index)) has a version \(error.aheadMillis / 1000) s ahead of the service's clock: check the server's date and time"
                )
            }
        }
        return Version(timestamp: clock.next(), replica: replica)
    }
}

extension ServiceState {
    /// The statement that has this transaction take the next seq as it
    /// commits (`PostgresLayout.counterAtCommit`), and move the clock past
    /// `newest` as `HybridLogicalClock.forceObserve` moves it: packed
    /// timestamps order as timestamps do, and adopting `remote` at wall time
    /// `wall` gives max(last, remote, (wall, 0) - 1) + 1. Rows written with
    /// the transaction's provisional seq (`lockForPush`) get that seq.
    static func takingAtCommit(
        _ provisional: Int64, observing newest: HybridTimestamp, wallMillis: UInt64
    ) -> PostgresStatement {
        let wall = HybridTimestamp(millis: min(wallMillis, HybridTimestamp.maxMillis), counter: 0)
        return PostgresStatement(
            "INSERT INTO svc_commits(marker, newest, wall_floor) VALUES (?, ?, ?)",
            [
                .integer(provisional), .integer(Int64(bitPattern: newest.rawValue)),
                .integer(Int64(bitPattern: wall.rawValue) - 1),
            ])
    }
}
