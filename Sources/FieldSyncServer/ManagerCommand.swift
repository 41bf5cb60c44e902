import ArgumentParser
import FieldSyncCore
import FieldSyncService

/// `fieldsync-server manager add|list`: who may use the service.
struct ManagerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manager", abstract: "Add and list the managers who may use the service.",
        subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a manager (a customer manager, a branch supervisor, or an admin).")

        @Argument(help: "The manager's id (\(ManagerID.rule)); customers' owner field names it.") var id: String
        @Option(help: "The manager's full name.") var name: String
        @Option(help: "The branch they work in.") var branch: String
        @Option(help: "manager: their own customers; supervisor: their branch; admin: everything.")
        var role: Manager.Role = .manager
        @OptionGroup var storage: StoreOptions

        func run() async throws {
            let manager = Manager(id: id, name: name, branch: branch, role: role)
            await storage.withStore(creating: true) { try await $0.addManager(manager) }
            print("Added \(role.rawValue) \(id) (\(name)) in branch \(branch). Next: fieldsync-server token issue \(id)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the managers, by branch.")

        @OptionGroup var storage: StoreOptions

        func run() async throws {
            let managers: [ManagerRecord]
            managers = await storage.withStore { try await $0.managers() }
            guard !managers.isEmpty else {
                print("No managers yet; add one with: fieldsync-server manager add ID --name NAME --branch BRANCH --role ROLE")
                return
            }
            print(
                TextTable.render(
                    ["ID", "NAME", "BRANCH", "ROLE", "TOKENS", "LAST SYNC"],
                    managers.map {
                        [
                            $0.manager.id, $0.manager.name, $0.manager.branch, $0.manager.role.rawValue,
                            String($0.activeTokens),
                            $0.lastSyncMillis.map { ISODate.dateTime(millisSinceEpoch: $0) } ?? "never",
                        ]
                    }), terminator: "")
        }
    }
}

extension Manager.Role: ExpressibleByArgument {}
