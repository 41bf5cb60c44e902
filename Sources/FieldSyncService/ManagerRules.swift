import FieldSyncCore

/// What a new manager must be, whatever the store.
package enum ManagerRules {
    package static func check(_ manager: Manager) throws {
        guard ManagerID.isValid(manager.id) else {
            throw ServiceError(.badArgument, "a manager id must be \(ManagerID.rule)")
        }
        // Shown in lists, reports and logs: nothing that hides, breaks or reorders a line.
        let hidden: Set<Unicode.GeneralCategory> = [.control, .format, .lineSeparator, .paragraphSeparator]
        guard !manager.name.allSatisfy(\.isWhitespace), manager.name.unicodeScalars.count <= 200,
            !manager.name.unicodeScalars.contains(where: { hidden.contains($0.properties.generalCategory) })
        else {
            throw ServiceError(
                .badArgument,
                "a manager's name must be 1 to 200 characters, not all blank, without line breaks, tabs, invisible or direction-changing characters"
            )
        }
        guard BranchName.isValid(manager.branch) else {
            throw ServiceError(.badArgument, "a branch name must be \(BranchName.rule)")
        }
        guard manager.id != Manager.serverConsole.id else {
            throw ServiceError(.badArgument, "\(manager.id) is reserved for the server's command line")
        }
        // `token revoke` reads an argument starting so as a token or its first characters.
        guard !manager.id.hasPrefix(AccessToken.prefix) else {
            throw ServiceError(.badArgument, "a manager id may not start with \(AccessToken.prefix), as tokens do")
        }
    }
}
