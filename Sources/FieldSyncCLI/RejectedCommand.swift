import ArgumentParser
import FieldSyncCore
import FieldSyncReplica

/// Changes the service refused: kept on the device until the manager fixes
/// the field (a new edit is pushed as usual) or discards the change.
struct RejectedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rejected",
        abstract: "See or discard the changes the sync service refused.",
        subcommands: [List.self, Discard.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the refused changes, with the service's reason.")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.run {
                let rejected = try global.openReplica().rejectedChanges()
                if global.json {
                    Output.json(
                        rejected.map { rejected -> [String: Any] in
                            [
                                "id": rejected.id, "table": rejected.change.table, "row_id": rejected.change.rowID,
                                "column": rejected.change.column, "value": Output.jsonValue(rejected.change.value),
                                "code": rejected.code.rawValue, "message": rejected.message,
                                "rejected_at": ISODate.dateTime(millisSinceEpoch: rejected.rejectedAtMillis),
                            ]
                        })
                } else if rejected.isEmpty {
                    Output.line("No rejected changes.")
                } else {
                    Output.table(
                        ["ID", "TABLE", "ROW", "COLUMN", "VALUE", "CODE", "WHEN", "MESSAGE"],
                        rejected.map {
                            [
                                String($0.id), $0.change.table, $0.change.rowID, $0.change.column,
                                RejectedCommand.shortened($0.change.value), $0.code.rawValue,
                                ISODate.dateTime(millisSinceEpoch: $0.rejectedAtMillis), $0.message,
                            ]
                        })
                    Output.line()
                    Output.line(
                        "Fix a field with `fieldsync record set` (the new edit is sent at the next sync), or drop the change with `fieldsync rejected discard ID`. A record that left this device (reassigned or moved) keeps its refused edits here, for its new owner: `--json` shows each value whole."
                    )
                }
            }
        }
    }

    /// A value on one line of the table: long notes cut, line breaks shown as spaces.
    static func shortened(_ value: Value) -> String {
        let text = value.isNull ? "(empty)" : value.description.replacingOccurrences(of: "\n", with: " ")
        return text.count > 40 ? text.prefix(39) + "…" : text
    }

    struct Discard: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop a refused change; the field goes back to what the service holds.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The rejected change's id (from `fieldsync rejected list`).") var id: Int64

        func run() throws {
            try global.run {
                let replica = try global.openReplica()
                let (discarded, effect) = try replica.discardRejected(id: id)
                let change = discarded.change
                if global.json {
                    Output.json([
                        "discarded": discarded.id, "table": change.table, "row_id": change.rowID,
                        "column": change.column,
                    ])
                } else {
                    let outcome =
                        switch effect {
                        case .restoredFromService: "the field is back to the service's value."
                        case .cleared where change.column == TableSchema.deletedColumn:
                            "the record is no longer deleted on this device: the service never had it deleted."
                        case .cleared: "the field is empty again: the service never had a value for it."
                        case .keptLaterEdit: "the field keeps the value it has had since (a later edit, or one pulled)."
                        case .recordGone: "the record is not on this device (it left it, or the service never had it)."
                        }
                    Output.line(
                        "Discarded rejected change \(discarded.id) (\(change.table) \(change.rowID), \(change.column)); \(outcome)"
                    )
                }
            }
        }
    }
}
