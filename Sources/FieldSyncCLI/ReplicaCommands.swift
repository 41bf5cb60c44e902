import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import FieldSyncReplica

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a replica on this device.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The manager who uses this device (new customers are theirs).") var manager: String?
    @Option(help: "The sync service's URL (later: `fieldsync config set server URL`).") var server: String?
    @Option(help: "The access token the service gave this manager (needs --server).") var token: String?

    func run() throws {
        try global.run {
            // Checked before the file exists, so a typo leaves no half-configured replica behind.
            let url = try server.map(ServerAddress.normalized)
            guard token == nil || url != nil else {
                throw SyncError(.badArgument, "--token needs --server: a token is for one service")
            }
            let checkedToken = try token.map(ConfigCommand.token)
            let replica = try Replica.create(at: global.replicaPath, managerID: manager)
            if let url {
                try replica.setServer(url: url, token: checkedToken)
                if ServerAddress.isUnencryptedRemote(url) { Output.warning(ServerAddress.unencryptedWarning) }
            }
            if global.json {
                Output.json([
                    "path": replica.path, "replica_id": replica.replicaID.description,
                    "manager": Output.optional(replica.managerID), "server": Output.optional(url),
                ])
            } else {
                Output.line("Created replica \(replica.replicaID) at \(replica.path)")
                if let manager = replica.managerID { Output.line("Manager: \(manager)") }
                if let url { Output.line("Server: \(url)\(checkedToken == nil ? "" : " (token set)")") }
            }
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show this replica: its id, its manager, what it holds and what is waiting to be sent.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.run {
            let replica = try global.openReplica()
            let pending = try replica.pendingCount()
            let refused = try replica.refusedCapturedFields()
            let sync = try replica.syncState()
            let lastSync = sync.lastSyncMillis.map { ISODate.dateTime(millisSinceEpoch: $0) }
            var counts: [String: Int] = [:]
            for table in replica.schema.tables { counts[table.name] = try replica.recordCount(table.name) }
            if global.json {
                Output.json([
                    "path": replica.path, "replica_id": replica.replicaID.description,
                    "manager": Output.optional(replica.managerID), "syncs_as": Output.optional(sync.syncsAs),
                    "pending_changes": pending,
                    "change_counter": try replica.currentSeq(), "records": counts,
                    "refused_outside_edits": refused.map(\.description),
                    "server": Output.optional(sync.serverURL), "token_set": sync.hasToken,
                    "rejected_changes": sync.rejected, "open_conflicts": Output.optional(sync.openConflicts),
                    "last_sync": Output.optional(lastSync), "clock_offset_ms": sync.clockOffsetMillis,
                ])
            } else {
                Output.line("Replica:         \(replica.replicaID) (\(replica.path))")
                Output.line(
                    "Manager:         "
                        + (replica.managerID ?? sync.syncsAs.map { "(none; syncs as \($0))" } ?? "(none)"))
                Output.line(
                    "Server:          "
                        + (sync.serverURL.map { "\($0)\(sync.hasToken ? " (token set)" : " (no token)")" } ?? "(none)"))
                Output.line("Pending changes: \(pending) (not sent yet)")
                Output.line(
                    "Rejected:        \(sync.rejected)\(sync.rejected > 0 ? " (see `fieldsync rejected list`)" : "")")
                Output.line(
                    "Open conflicts:  "
                        + (sync.openConflicts.map { "\($0) (as of the last sync)" }
                            ?? (lastSync == nil
                                ? "unknown (never synced)" : "unknown (the last sync could not count them)"))
                )
                Output.line("Last sync:       \(lastSync ?? "never")")
                if sync.clockOffsetMillis > 0 {
                    Output.line(
                        "Clock:           this device's clock is \(SyncReport.duration(sync.clockOffsetMillis)) ahead of the service; changes are stamped with the service's time. Please correct the date and time."
                    )
                }
                if !refused.isEmpty {
                    Output.line(
                        "Refused edits:   \(refused.count) field(s) written by another program break the schema and are not synced; correct them with `fieldsync record set`: "
                            + refused.map(\.description).joined(separator: ", "))
                }
                Output.line("Change counter:  \(try replica.currentSeq())")
                Output.line(
                    "Records:         "
                        + replica.schema.tables.map { "\($0.name) \(counts[$0.name] ?? 0)" }.joined(separator: ", "))
            }
        }
    }
}

struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract:
            "Print the digest of everything this replica holds (equal on two replicas exactly when they hold the same data).",
        discussion: "With --compare, also ask the sync service for its digest: exit 0 when they are equal, 1 when not.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Compare with the sync service's digest: is this device in sync?") var compare = false

    func run() async throws {
        try await global.runAsync {
            let replica = try global.openReplica()
            let (digest, rows) = try replica.digest()
            guard compare else {
                if global.json { Output.json(["digest": digest, "rows": rows]) } else { Output.line(digest) }
                return
            }
            let service = try await HTTPSyncTransport.with(for: replica) { try await $0.digest() }
            let equal = service.digest == digest
            if global.json {
                Output.json([
                    "digest": digest, "rows": rows, "service_digest": service.digest, "service_rows": service.rows,
                    "in_sync": equal,
                ])
            } else {
                Output.line("this device: \(digest) (\(rows) rows)")
                Output.line("service:     \(service.digest) (\(service.rows) rows)")
                Output.line(
                    equal
                        ? "In sync: this device holds exactly what the service holds."
                        : try Self.advice(rejected: replica.rejectedChanges().count))
            }
            if !equal { throw ExitCode.failure }
        }
    }

    /// What to do about a difference: a sync will not bring changes the service refused into line.
    static func advice(rejected: Int) -> String {
        guard rejected > 0 else { return "NOT in sync: run `fieldsync sync`." }
        return
            "NOT in sync: \(rejected) change(s) the service refused wait on this device; fix or discard them (`fieldsync rejected list`), then run `fieldsync sync`."
    }
}
