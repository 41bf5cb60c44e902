import FieldSyncCore
import FieldSyncReplica

/// Decides, inside a push's transaction, which changes the caller may make:
/// edits of records in their scope; edits made before a customer was
/// reassigned away from them, or a record moved to another's customer
/// (judged by the edit's version), except moves, which need the record's
/// customer in scope now; new customers
/// they own (a supervisor may name another owner of the branch, an admin any
/// manager); and, for supervisors and admins only, a new owner.
///
/// A refusal of someone else's record reads the same as one of a record that
/// was reassigned away, and never carries its owner or values.
package struct ScopeGate<Facts: ScopeFacts> {
    let facts: Facts
    let scope: Scope
    /// Customers this push creates, with their owner: their children may come in the same push.
    private var created: [String: String] = [:]
    /// Owners (and their versions) of customers already looked up: a visit's many records need one read.
    private var owners: [String: (owner: String?, version: Version?)?] = [:]
    /// Interactions, tasks and holdings this push names that the service
    /// files under a customer the caller does not see now: the device drops
    /// its copy. (Customers leave a device by a pull's `removed`.)
    package private(set) var unseenRecords: [RecordRef] = []

    package init(facts: Facts, scope: Scope) {
        self.facts = facts
        self.scope = scope
    }

    private var caller: Manager { scope.caller }

    /// A customer this push would have created, refused after all (it lacks a
    /// required field): its records in the same push have no customer to join.
    package mutating func forgetCreated(_ id: String) { created[id] = nil }

    /// Why a change to a customer, or to a record of a customer, the caller
    /// does not see is refused, and what the manager can do.
    static func outOfScope(customer: Bool) -> String {
        (customer
            ? "is not one of your customers, or went to another manager"
            : "belongs to a customer who is not yours, or who went to another manager")
            + " before this change was made; the change stays on your device as rejected: tell the customer's manager, then discard it"
    }

    /// The positions in `run` (one record's changes) the caller may not make, each with why.
    mutating func refusals(_ run: ArraySlice<FieldChange>, table: TableSchema, record: FieldSyncReplica.Record?) throws
        -> [Int: String]
    {
        let id = run[run.startIndex].rowID
        var refused: [Int: String] = [:]
        func refuseAll(_ reason: String) { for position in run.indices { refused[position] = reason } }
        if table.name == scope.ownerTable.name {
            let ownerIndex = table.columnIndex(scope.ownerColumn)!
            guard let record else {
                // A new customer: it must name an owner the caller may give it.
                guard let owner = run.first(where: { $0.column == scope.ownerColumn })?.value.textValue else {
                    refuseAll("a new customer must name its owner (\(scope.ownerColumn))")
                    return refused
                }
                if let reason = try ownerRefusal(owner, isNew: true) { refuseAll(reason) } else { created[id] = owner }
                return refused
            }
            let owner = (record.values[ownerIndex].textValue, record.versions[ownerIndex])
            for position in run.indices {
                let change = run[position]
                if !(try may(change.version, customerOwner: owner, id: id)) {
                    refused[position] = "customer \(id) \(Self.outOfScope(customer: true))"
                } else if change.column == scope.ownerColumn, let newOwner = change.value.textValue,
                    newOwner != owner.0,
                    let reason = try ownerRefusal(newOwner, isNew: false)
                {
                    refused[position] = reason
                }
            }
            return refused
        }
        guard let parentColumn = table.parentColumn, let parentIndex = table.columnIndex(parentColumn) else {
            if !scope.seesEverything { refuseAll("\(table.name) records are kept by admins only") }
            return refused
        }
        let parentChange = run.first { $0.column == parentColumn }
        guard let parent = record?.values[parentIndex].textValue ?? parentChange?.value.textValue else {
            refuseAll("a new \(table.name) record must name its customer (\(parentColumn))")
            return refused
        }
        if !scope.seesEverything, let record, let current = record.values[parentIndex].textValue,
            !(try seesNow(customer: current))
        {
            unseenRecords.append(RecordRef(table: table.name, rowID: id))
        }
        let customerSince = record?.versions[parentIndex]
        for position in run.indices {
            let change = run[position]
            var allowed: Bool
            if let customerSince, change.version < customerSince {
                // Made before the record got the customer it has now (it was moved): judged by the
                // customer it had then, and that customer's owner then. Without one, nobody's to edit.
                allowed =
                    try facts.customer(of: table, record: id, before: change.version).map {
                        try wasInScope(change.version, customer: $0)
                    } ?? false
            } else {
                allowed = try may(change.version, customer: parent)
            }
            // Moving a record to another customer needs the customer it leaves in scope now,
            // whatever the move's version (a move brings the record, with every edit made since,
            // into the target's scope), and the target in scope too.
            if allowed, change.column == parentColumn, let target = change.value.textValue, target != parent {
                guard try seesNow(customer: parent) else {
                    refused[position] =
                        "moving \(table.name) record \(id) needs the customer it is filed under now to be one of yours, and it is not (it may have gone to another manager since); the record leaves your device, and the move stays there as rejected"
                    continue
                }
                guard try may(change.version, customer: target) else {
                    refused[position] =
                        "\(table.name) record \(id) cannot move to customer \(target): that customer is not one of yours (or it went to another manager before this change was made); the record stays with its customer, and the move stays on your device as rejected"
                    continue
                }
            }
            if !allowed { refused[position] = "\(table.name) record \(id) \(Self.outOfScope(customer: false))" }
        }
        return refused
    }

    /// Why the caller may not give a customer to `owner`, or nil.
    private func ownerRefusal(_ owner: String, isNew: Bool) throws -> String? {
        if !isNew && caller.role == .manager {
            return "only a supervisor or an admin reassigns a customer (fieldsync customer reassign)"
        }
        if caller.role == .manager {
            return owner == caller.id ? nil : "a new customer is owned by its creator: set its owner to \(caller.id)"
        }
        guard let branch = try facts.branch(of: owner) else {
            return "there is no manager \(owner) to own the customer"
        }
        if caller.role == .supervisor && branch != caller.branch {
            return "\(owner) is not a manager of branch \(caller.branch)"
        }
        return nil
    }

    /// The owner of customer `id` now, and since which version; nil for no such customer.
    private mutating func owner(ofCustomer id: String) throws -> (owner: String?, version: Version?)? {
        if owners[id] == nil { owners[id] = try facts.owner(ofCustomer: id) }
        return owners[id]!
    }

    /// Whether the caller sees customer `id` now.
    private mutating func seesNow(customer id: String) throws -> Bool {
        if let owner = created[id] { return try scope.includes(owner: owner, facts) }
        guard let owner = try owner(ofCustomer: id) else { return false }
        return try scope.includes(owner: owner.owner, facts)
    }

    /// Whether a change with `version` to customer `id` (or one of its records) is the caller's to make.
    private mutating func may(_ version: Version, customer id: String) throws -> Bool {
        if let owner = created[id] { return try scope.includes(owner: owner, facts) }
        guard let owner = try owner(ofCustomer: id) else { return false }
        return try may(version, customerOwner: owner, id: id)
    }

    /// Whether customer `id` was owned by someone in scope when a change with `version` was made.
    private mutating func wasInScope(_ version: Version, customer id: String) throws -> Bool {
        guard let owner = try owner(ofCustomer: id) else { return false }
        guard let since = owner.version, version < since else { return try scope.includes(owner: owner.owner, facts) }
        return try ownerInScope(ofCustomer: id, before: version)
    }

    /// Whether the customer's owner just before `version` (by the audit trail) is in scope.
    private func ownerInScope(ofCustomer id: String, before version: Version) throws -> Bool {
        try facts.owner(ofCustomer: id, before: version).map { try scope.includes(owner: $0, facts) } ?? false
    }

    /// In scope now, or owned by someone in scope when the change was made
    /// (before the customer was reassigned: "by version").
    private func may(_ version: Version, customerOwner owner: (String?, Version?), id: String) throws -> Bool {
        if try scope.includes(owner: owner.0, facts) { return true }
        guard let since = owner.1, version < since else { return false }
        return try ownerInScope(ofCustomer: id, before: version)
    }
}
