import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica

/// `fieldsync push`: send the unsent changes.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Send this device's unsent changes to the sync service.",
        discussion: "Rejected changes stay on this device (`fieldsync rejected list`). Offline, nothing changes here.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await global.synchronize({ synchronizer, _ in try await synchronizer.push() }) { summary in
            (SyncReport.json(summary), SyncReport.line(summary), SyncReport.notes(push: summary, pull: nil))
        }
    }
}

/// `fieldsync pull`: receive what changed at the service.
struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Receive the changes made elsewhere since the last pull.",
        discussion: "Pages are saved as they arrive: an interrupted pull resumes where it stopped.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var pages: PageOptions

    func run() async throws {
        try await global.synchronize(
            pageSize: pages.pageSize, { synchronizer, progress in try await synchronizer.pull(progress: progress) }
        ) {
            summary in (SyncReport.json(summary), SyncReport.line(summary), SyncReport.notes(push: nil, pull: summary))
        }
    }
}

/// `fieldsync sync`: push, then pull.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Send this device's changes, receive everyone else's, and count the open conflicts that involve you.",
        discussion: """
            Offline, nothing changes on this device: run it again when you have a network.
            Your changes are never dropped: rejected ones wait in `fieldsync rejected list`.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var pages: PageOptions

    func run() async throws {
        try await global.synchronize(
            pageSize: pages.pageSize, { synchronizer, progress in try await synchronizer.sync(progress: progress) }
        ) {
            summary in
            (
                SyncReport.json(summary), SyncReport.line(summary),
                SyncReport.notes(
                    push: summary.push, pull: summary.pull, openConflicts: summary.openConflicts,
                    countFailure: summary.countFailure)
            )
        }
    }
}

/// How many rows a pull asks for at a time.
struct PageOptions: ParsableArguments {
    @Option(help: "Rows per pull page (1 to 10000): smaller pages resume sooner on a poor connection.")
    var pageSize = Synchronizer.defaultPullPageLimit

    func validate() throws {
        guard (1...SyncAPI.maxPullLimit).contains(pageSize) else {
            throw ValidationError("--page-size must be between 1 and \(SyncAPI.maxPullLimit)")
        }
    }
}

extension GlobalOptions {
    /// Runs one exchange with the replica's service, showing pull progress on
    /// a terminal, then prints its report: one JSON object, or a summary line
    /// and notes for people.
    func synchronize<Summary>(
        pageSize: Int = Synchronizer.defaultPullPageLimit,
        _ exchange: (Synchronizer, (PullProgress) -> Void) async throws -> Summary,
        report: (Summary) -> (json: [String: Any], line: String, notes: [String])
    ) async throws {
        try await runAsync {
            let replica = try openReplica()
            let progress = PullProgressLine(json: json)
            defer { progress.finish() }
            let summary = try await HTTPSyncTransport.with(for: replica) { transport in
                try await exchange(
                    Synchronizer(replica: replica, transport: transport, pullPageLimit: pageSize), progress.update)
            }
            progress.finish()
            let (object, line, notes) = report(summary)
            if json {
                Output.json(object)
            } else {
                Output.line(line)
                notes.forEach { Output.line($0) }
            }
        }
    }
}
