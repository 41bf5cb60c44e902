import FieldSyncCore

/// What a new manager must be, whatever the store.
package enum ManagerRules {
    package static func check(_ manager: Manager) throws {
        guard ManagerID.isValid(manager.id) else {
            throw ServiceError(.badArgument, "a manager id must be \(ManagerID.rule)")
        }
        guard BranchName.isValid(manager.branch) else {
            throw ServiceError(.badArgument, "a branch name must be \(BranchName.rule)")
        }
        guard manager.id != Manager.serverConsole.id else {
            throw ServiceError(.badArgument, "\(manager.id) is reserved for the server's command line")
        }
    }
}
