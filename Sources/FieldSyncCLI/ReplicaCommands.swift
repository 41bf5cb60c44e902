import ArgumentParser
import FieldSyncCore
import FieldSyncReplica

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a replica on this device.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The manager who uses this device (new customers are theirs).") var manager: String?

    func run() throws {
        try global.run {
            let replica = try Replica.create(at: global.replicaPath, managerID: manager)
            if global.json {
                Output.json([
                    "path": replica.path, "replica_id": replica.replicaID.description,
                    "manager": Output.optional(replica.managerID),
                ])
            } else {
                Output.line("Created replica \(replica.replicaID) at \(replica.path)")
                if let manager = replica.managerID { Output.line("Manager: \(manager)") }
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
            var counts: [String: Int] = [:]
            for table in replica.schema.tables { counts[table.name] = try replica.recordCount(table.name) }
            if global.json {
                Output.json([
                    "path": replica.path, "replica_id": replica.replicaID.description,
                    "manager": Output.optional(replica.managerID), "pending_changes": pending,
                    "change_counter": try replica.currentSeq(), "records": counts,
                    "refused_outside_edits": refused.map(\.description),
                ])
            } else {
                Output.line("Replica:         \(replica.replicaID) (\(replica.path))")
                Output.line("Manager:         \(replica.managerID ?? "(none)")")
                Output.line("Pending changes: \(pending)")
                if !refused.isEmpty {
                    Output.line(
                        "Refused edits:   \(refused.count) field(s) written by another program break the schema and are not synced; correct them with `fieldsync record set`: "
                            + refused.map(\.description).joined(separator: ", "))
                }
                Output.line("Change counter:  \(try replica.currentSeq())")
                Output.line(
                    "Records:         "
                        + replica.schema.tables.map { "\(counts[$0.name] ?? 0) \($0.name)" }.joined(separator: ", "))
            }
        }
    }
}

struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Print the digest of everything this replica holds (equal on two replicas exactly when they hold the same data).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.run {
            let replica = try global.openReplica()
            let (digest, rows) = try replica.digest()
            if global.json {
                Output.json(["digest": digest, "rows": rows])
            } else {
                Output.line(digest)
            }
        }
    }
}
