import FieldSyncCore

/// Who may give a customer to whom, whatever the store.
package enum ReassignmentRules {
    package static func checkCaller(_ caller: Manager) throws {
        guard caller.role >= .supervisor else {
            throw ServiceError(.forbidden, "only a supervisor or an admin reassigns a customer")
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
