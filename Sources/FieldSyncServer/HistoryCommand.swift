import ArgumentParser
import FieldSyncCore
import FieldSyncService

/// `fieldsync-server history TABLE ID [COLUMN]`: the audit trail of a record or a field.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Print every accepted change of a record (or one field), with who, device and when, and its conflicts.",
        discussion: "Oldest version first. LOST marks a change that arrived after a newer one and did not become the value.")

    @Argument(help: "The table: customers, interactions, tasks or holdings.") var table: String
    @Argument(help: "The record's id.") var id: String
    @Argument(help: "Only this field.") var column: String?
    @OptionGroup var storage: StoreOptions

    func run() async throws {
        let history = await storage.withStore { try await $0.history(table: table, id: id, column: column) }
        print("History of \(history.table) \(history.id)\(history.column.map { " field \($0)" } ?? ""):")
        print(
            TextTable.render(
                ["RECEIVED", "FIELD", "OLD", "NEW", "BY", "DEVICE", "VERSION", ""],
                history.entries.map {
                    [
                        ISODate.dateTime(millisSinceEpoch: $0.receivedAtMillis), $0.column, $0.oldValue.displayText,
                        $0.value.displayText, $0.manager ?? "-", $0.version.replica.description,
                        $0.version.timestamp.description, $0.won ? "" : "LOST",
                    ]
                }), terminator: "")
        if history.entries.isEmpty { print("  no changes recorded") }
        guard !history.conflicts.isEmpty else { return }
        print("\nConflicts:")
        for conflict in history.conflicts {
            let sides = conflict.sides.map { "\($0.column)=\($0.value.displayText) by \($0.manager ?? "?") (\($0.version))" }
            var line = "  #\(conflict.id) \(conflict.kind.rawValue) on \(conflict.column), detected \(ISODate.dateTime(millisSinceEpoch: conflict.detectedAtMillis)): \(sides.joined(separator: " vs "))"
            if let settled = conflict.settlement {
                line += "; settled by \(settled.by) at \(ISODate.dateTime(millisSinceEpoch: settled.atMillis)) (\(settled.version))"
            } else {
                line += "; open"
            }
            print(line)
        }
    }
}

extension Value {
    /// A field's value for people: empty shows as "-".
    var displayText: String { isNull ? "-" : description }
}
