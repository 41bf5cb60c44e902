import ArgumentParser
import FieldSyncCore

/// `fieldsync-server`: the branch's sync service and its administration.
public struct FieldSyncServerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fieldsync-server",
        abstract: "The FieldSync sync service: holds the central copy, merges pushes, serves pulls, keeps conflicts.",
        discussion: """
            Exit status: 0 on success; 1 on an error, reported as "fieldsync-server: MESSAGE [CODE]"
            (codes: protocol/errors.md); 64 when the command line itself is wrong.
            Every command takes --data (the central store); the administration commands work while a server runs.
            """,
        version: FieldSyncRelease.version,
        subcommands: [
            ServeCommand.self, ManagerCommand.self, TokenCommand.self, CustomerCommand.self, HistoryCommand.self,
            ReportCommand.self,
        ])

    public init() {}
}

extension AsyncParsableCommand {
    /// Runs the command line asynchronously. (From top-level code, `main()`
    /// resolves to ParsableCommand's synchronous one, which cannot run an
    /// async subcommand.)
    public static func mainAsync() async {
        await main(nil as [String]?)
    }
}
