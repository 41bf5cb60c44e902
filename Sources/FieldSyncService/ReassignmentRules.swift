import FieldSyncCore

/// Who may give a customer to whom, whatever the store.
package enum ReassignmentRules {
    package static func checkCaller(_ caller: Manager) throws {
        guard caller.role >= .supervisor else {
            throw ServiceError(.forbidden, "only a supervisor or an admin reassigns a customer")
        }
    }

    /// Refuses a new owner that cannot be a manager id before any store looks it up.
    package static func checkTarget(_ owner: String) throws {
        guard ManagerID.isValid(owner) else {
            throw ServiceError(.badArgument, "the new owner is not a manager id (\(ManagerID.rule)); check `to`")
        }
    }

    package static func check(customer id: String, from previous: String?, to target: Manager, by caller: Manager) throws {
        if caller.role == .supervisor && target.branch != caller.branch {
            throw ServiceError(.forbidden, "\(target.id) is not a manager of branch \(caller.branch)")
        }
        guard previous != target.id else {
            throw ServiceError(.badArgument, "customer \(id) is \(target.id)'s already")
        }
    }
}
