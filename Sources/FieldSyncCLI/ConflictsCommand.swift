import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import Foundation

/// Conflicts the service recorded: two edits of one field made without
/// seeing each other. The merge already picked a winner; here a person
/// checks it and settles.
struct ConflictsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts",
        abstract: "See and settle conflicting edits recorded by the sync service.",
        subcommands: [List.self, Show.self, Settle.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the open conflicts (with --all, settled ones too).")

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Include settled conflicts.") var all = false

        func run() async throws {
            try await global.runAsync {
                let replica = try global.openReplica()
                let conflicts = try await HTTPSyncTransport.with(for: replica) { transport in
                    try await transport.conflicts(status: all ? nil : .open)
                }
                if global.json {
                    let manager = try replica.syncsAs()
                    Output.json(try conflicts.map { try ConflictsCommand.jsonObject($0, replica, syncsAs: manager) })
                } else if conflicts.isEmpty {
                    Output.line(all ? "No conflicts." : "No open conflicts.")
                } else {
                    Output.table(
                        ["ID", "STATUS", "TABLE", "ROW", "COLUMN", "KIND", "WRITERS", "DETECTED"],
                        conflicts.map { conflict in
                            [
                                String(conflict.id), conflict.status.rawValue, conflict.table, conflict.rowID,
                                conflict.column, conflict.kind.rawValue,
                                conflict.sides.map { ConflictsCommand.writer($0, replica) }.joined(separator: ", "),
                                ISODate.dateTime(millisSinceEpoch: conflict.detectedAtMillis),
                            ]
                        })
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show both sides of a conflict, with their values.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The conflict's id (from `fieldsync conflicts list`).") var id: Int64

        func run() async throws {
            try await global.runAsync {
                let replica = try global.openReplica()
                let conflict = try await HTTPSyncTransport.with(for: replica) { transport in
                    try await transport.conflict(id: id)
                }
                if global.json {
                    Output.json(try ConflictsCommand.jsonObject(conflict, replica, syncsAs: try replica.syncsAs()))
                } else {
                    try ConflictsCommand.describe(conflict, replica)
                }
            }
        }
    }

    struct Settle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Settle a conflict: keep your side, keep theirs, or write a new value; then pull it.",
            discussion: """
                mine is the side written on this device (else by this device's manager); theirs is the other one. \
                Settling writes the chosen value at the service as a fresh change and records who settled; \
                then this device pulls at once, so it holds the settled value.
                """)

        enum Side: String, ExpressibleByArgument, CaseIterable {
            case mine, theirs
        }

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The conflict's id (from `fieldsync conflicts list`).") var id: Int64
        @Option(help: "Keep this side's value: mine or theirs.") var keep: Side?
        @Option(help: "Write this value instead (as `record set` takes it; empty clears the field).") var value: String?

        func validate() throws {
            guard (keep == nil) != (value == nil) else {
                throw ValidationError("give exactly one of --keep mine, --keep theirs or --value VALUE")
            }
        }

        func run() async throws {
            try await global.runAsync {
                let replica = try global.openReplica()
                guard try replica.syncsAs() != nil else { throw SyncError.noManagerToSettle }
                let (settled, pulled) = try await HTTPSyncTransport.with(for: replica) { transport in
                    let synchronizer = Synchronizer(replica: replica, transport: transport)
                    let conflict = try await transport.conflict(id: id)
                    return try await synchronizer.settle(conflict: id, try resolution(of: conflict, replica))
                }
                if global.json {
                    Output.json([
                        "conflict": try ConflictsCommand.jsonObject(settled, replica, syncsAs: try replica.syncsAs()),
                        "pull": SyncReport.json(pulled),
                    ])
                } else {
                    let version = settled.settlement.map { " (version \($0.version))" } ?? ""
                    Output.line(
                        "Settled conflict \(id)\(version); this device pulled \(pulled.rows) row(s) and holds the settled value."
                    )
                }
            }
        }

        func resolution(of conflict: Conflict, _ replica: Replica) throws -> ConflictResolution {
            if let value {
                return .value(try replica.schema.table(conflict.table).parse(value, for: conflict.column))
            }
            guard let sides = conflict.perspective(replica: replica.replicaID, manager: try replica.syncsAs()) else {
                throw SyncError(
                    .badArgument,
                    "neither side of conflict \(conflict.id) is yours alone, so --keep mine/theirs is ambiguous; settle with --value VALUE, or ask the people who wrote it (`fieldsync conflicts show \(conflict.id)`)"
                )
            }
            return .keep(keep == .mine ? sides.mine.version : sides.theirs.version)
        }
    }

    // MARK: - Showing conflicts

    /// Who wrote a side, as a person reads it: the manager, and "you" for this device's side.
    static func writer(_ side: Conflict.Side, _ replica: Replica) -> String {
        let name = side.manager ?? "device \(side.replica)"
        return side.replica == replica.replicaID ? "\(name) (this device)" : name
    }

    /// The wire document, plus `mine`: the version of this device's side, or null.
    /// `manager`: the one the replica syncs as (`Replica.syncsAs`), read once for a list.
    static func jsonObject(_ conflict: Conflict, _ replica: Replica, syncsAs manager: String?) throws -> [String: Any] {
        let data = try WireJSON.encode(ConflictDocument(conflict))
        var object = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        object["mine"] = Output.optional(
            conflict.perspective(replica: replica.replicaID, manager: manager)?.mine.version.description)
        return object
    }

    /// What the merge did with a side. On a deleted record both sides are
    /// kept, and the edit stays out of sight until the conflict is settled.
    private static func keptNote(_ side: Conflict.Side, _ conflict: Conflict) -> String {
        if conflict.kind == .editOnDeleted && conflict.status == .open {
            return side.column == TableSchema.deletedColumn
                ? ", kept: the record is deleted" : ", kept, but hidden while the record is deleted"
        }
        return side.version == conflict.winner.version ? ", kept by the merge" : ""
    }

    /// Both sides with their values: for the person at the terminal only.
    static func describe(_ conflict: Conflict, _ replica: Replica) throws {
        let perspective = conflict.perspective(replica: replica.replicaID, manager: try replica.syncsAs())
        Output.line(
            "Conflict \(conflict.id) (\(conflict.status.rawValue)): \(conflict.table) \(conflict.rowID), \(conflict.column)"
        )
        Output.line(
            "Kind:      "
                + (conflict.kind == .field
                    ? "both sides edited \(conflict.column)"
                    : "one side deleted the record, the other edited \(conflict.column)"))
        Output.line("Detected:  \(ISODate.dateTimeMillis(millisSinceEpoch: conflict.detectedAtMillis))")
        for (index, side) in conflict.sides.enumerated() {
            let label: String
            if let perspective {
                label = side.version == perspective.mine.version ? "Mine:" : "Theirs:"
            } else {
                label = "Side \(index + 1):"
            }
            let what =
                side.column == conflict.column
                ? "\(conflict.column) = \(side.value.description.isEmpty ? "(empty)" : side.value.description)"
                : "\(side.column) = \(side.value)"
            Output.line(
                label.padding(toLength: 11, withPad: " ", startingAt: 0)
                    + "\(what) by \(writer(side, replica)), version \(side.version)\(keptNote(side, conflict))")
        }
        if let settlement = conflict.settlement {
            Output.line(
                "Settled:   by \(settlement.by) at \(ISODate.dateTimeMillis(millisSinceEpoch: settlement.atMillis)), version \(settlement.version)"
            )
        } else {
            let keep = perspective == nil ? "" : "--keep mine, --keep theirs or "
            Output.line("Settle:    fieldsync conflicts settle \(conflict.id) \(keep)--value VALUE")
            if conflict.kind == .editOnDeleted {
                Output.line("           (keeping the edit, or a new value, brings the record back)")
            }
        }
    }
}
