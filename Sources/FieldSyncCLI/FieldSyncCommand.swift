import ArgumentParser
import FieldSyncCore

/// `fieldsync`: the field manager's tool. Works offline on the local replica;
/// `push`, `pull`, `sync`, `conflicts` talk to the sync service.
public struct FieldSyncCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fieldsync",
        abstract: "Keep your customers' files on this device, and sync them when you are back online.",
        discussion: """
            The replica is the SQLite file named by --replica (before or after the subcommand),
            else $FIELDSYNC_REPLICA, else $XDG_DATA_HOME/fieldsync/replica.db
            (~/.local/share/fieldsync/replica.db).

            Exit status: 0 on success; 1 on an error, reported as "fieldsync: MESSAGE [CODE]"
            (codes: protocol/errors.md); 64 when the command line itself is wrong.
            """,
        version: FieldSyncRelease.version,
        subcommands: [
            Init.self, Status.self, CustomerCommand.self, VisitCommand.self, TaskCommand.self,
            HoldingCommand.self, Agenda.self, RecordCommand.self, ChangesCommand.self, DigestCommand.self,
            SchemaCommand.self, ConfigCommand.self, PushCommand.self, PullCommand.self, SyncCommand.self,
            ConflictsCommand.self, RejectedCommand.self,
        ])

    public init() {}

    /// Runs the command line. Global options may come before the subcommand
    /// (`fieldsync --replica r.db status`); ArgumentParser wants them after,
    /// so they are moved there.
    public static func run(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) async {
        ProcessMemory.returnLargeBlocksWhenFreed()
        await main(hoistingGlobalOptions(arguments))
    }

    static func hoistingGlobalOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("--") {
            let argument = arguments[index]
            if argument == "--replica", index + 1 < arguments.count {
                leading += [argument, arguments[index + 1]]
                index += 2
            } else if argument.hasPrefix("--replica=") || argument == "--json" {
                leading.append(argument)
                index += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty, index < arguments.count else { return arguments }
        let rest = Array(arguments[index...])
        // Options go before a `--` terminator, if the command line has one.
        let end = rest.firstIndex(of: "--") ?? rest.endIndex
        return Array(rest[..<end]) + leading + Array(rest[end...])
    }
}
