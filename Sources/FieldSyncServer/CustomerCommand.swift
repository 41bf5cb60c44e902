import ArgumentParser
import FieldSyncCore
import FieldSyncProtocol
import FieldSyncService

/// `fieldsync-server customer reassign`: the administrator's way to give a customer to another manager.
struct CustomerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer", abstract: "Administer customers.", subcommands: [Reassign.self])

    struct Reassign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a customer, with its interactions, tasks and holdings, to another manager.",
            discussion: """
                The previous owner's edits made before now are still accepted; later ones are refused, and their
                next pull removes the customer from their device. The new owner's next pull brings it in full.
                """)

        @Argument(help: "The customer's id.") var id: String
        @Option(help: "The manager who takes the customer over.") var to: String
        @OptionGroup var storage: StoreOptions

        func run() async throws {
            let done = await storage.withStore { store in
                try await store.reassign(customer: try RowID.normalized(id), to: to, by: Manager.serverConsole)
            }
            print(done.summary)
        }
    }
}
