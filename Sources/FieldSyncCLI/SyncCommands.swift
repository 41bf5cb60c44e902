import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import FieldSyncReplica

/// `fieldsync push`: send the unsent changes.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Send this device's unsent changes to the sync service.",
        discussion: "Rejected changes stay on this device (`fieldsync rejected list`). Offline, nothing changes here.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await global.runAsync {
            let replica = try global.openReplica()
            let summary = try await HTTPSyncTransport.with(for: replica) { transport in
                try await Synchronizer(replica: replica, transport: transport).push()
            }
            if global.json {
                Output.json(SyncReport.json(summary))
            } else {
                Output.line(SyncReport.line(summary))
                SyncReport.notes(push: summary, pull: nil).forEach { Output.line($0) }
            }
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

    func run() async throws {
        try await global.runAsync {
            let replica = try global.openReplica()
            let progress = PullProgressLine(json: global.json)
            defer { progress.finish() }
            let summary = try await HTTPSyncTransport.with(for: replica) { transport in
                try await Synchronizer(replica: replica, transport: transport).pull(progress: progress.update)
            }
            progress.finish()
            if global.json {
                Output.json(SyncReport.json(summary))
            } else {
                Output.line(SyncReport.line(summary))
                SyncReport.notes(push: nil, pull: summary).forEach { Output.line($0) }
            }
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

    func run() async throws {
        try await global.runAsync {
            let replica = try global.openReplica()
            let progress = PullProgressLine(json: global.json)
            defer { progress.finish() }
            let summary = try await HTTPSyncTransport.with(for: replica) { transport in
                try await Synchronizer(replica: replica, transport: transport).sync(progress: progress.update)
            }
            progress.finish()
            if global.json {
                Output.json(SyncReport.json(summary))
            } else {
                Output.line(SyncReport.line(summary))
                SyncReport.notes(push: summary.push, pull: summary.pull, openConflicts: summary.openConflicts)
                    .forEach { Output.line($0) }
            }
        }
    }
}
