import ArgumentParser
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import Foundation

/// Change files: how devices without a network exchange changes (a USB stick).
struct ChangesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changes", abstract: "Exchange changes with another replica through a file.",
        subcommands: [Export.self, Import.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write this replica's changes to a file (all of them, or those since a change counter).",
            discussion:
                "The file is readable by its owner only. A file that exists is replaced only with --force, and the replica's own files never are."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The file to write.") var file: String
        @Option(help: "Only changes after this change counter (printed by the previous export).") var since: Int64 = 0
        @Flag(help: "Replace the file if it exists (an earlier export, say).") var force = false

        func run() throws {
            try global.run {
                let replica = try global.openReplica()
                let (changeSet, through) = try replica.changes(since: since)
                let data = try WireJSON.encode(ChangeSetDocument(changeSet: changeSet, through: through))
                try ChangeFile.write(data, to: file, replacing: force, protected: Replica.files(at: replica.path))
                if global.json {
                    Output.json(["file": file, "changes": changeSet.count, "through": through])
                } else {
                    Output.line("Wrote \(changeSet.count) field change(s) to \(file); next time: --since \(through)")
                }
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge a change file into this replica (any order, any number of times: replicas converge).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The file to read.") var file: String

        func run() throws {
            try global.run {
                let replica = try global.openReplica()
                let data = try ChangeFile.read(file)
                guard !data.isEmpty else {
                    throw WireError.malformed("\(file) is empty, not a change file; export it again")
                }
                let document: ChangeSetDocument
                do {
                    document = try WireJSON.decode(ChangeSetDocument.self, from: data)
                } catch let error as WireError where error.code == .malformed && error.message.hasPrefix("format") {
                    // Which file, and what it should be: "format is missing" alone leaves a person guessing.
                    throw WireError.malformed(
                        "\(file) is not a FieldSync change file (\(error.message)); import a file that `fieldsync changes export` wrote"
                    )
                }
                let outcome = try replica.merge(document.changeSet)
                if global.json {
                    Output.json(["file": file, "received": outcome.received, "changed": outcome.changed])
                } else {
                    Output.line("Merged \(outcome.received) field change(s) from \(file): \(outcome.changed) changed this replica")
                }
            }
        }
    }
}
