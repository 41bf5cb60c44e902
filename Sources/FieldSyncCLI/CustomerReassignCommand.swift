import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import FieldSyncProtocol

extension CustomerCommand {
    /// `fieldsync customer reassign ID --to MANAGER`: a supervisor's (or an
    /// admin's) hand-over of a customer, made at the service at once.
    struct Reassign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a customer, with its visits, tasks and holdings, to another manager (supervisors and admins).",
            discussion: """
                Done at the service, so it needs the network. The previous owner's edits made before now are still
                accepted; their next pull removes the customer from their device. The new owner's next pull brings it.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The customer's id.") var id: String
        @Option(help: "The manager who takes the customer over.") var to: String

        func run() async throws {
            try await global.runAsync {
                let replica = try global.openReplica()
                let customer = try RowID.normalized(id)
                let done = try await HTTPSyncTransport.with(for: replica) { transport in
                    try await transport.reassign(customer: customer, ReassignRequest(to: to))
                }
                if global.json {
                    Output.json([
                        "customer": done.customer, "from": Output.optional(done.from), "to": done.to,
                        "version": done.version.description, "records": done.records,
                    ])
                } else {
                    Output.line(done.summary)
                }
            }
        }
    }
}
