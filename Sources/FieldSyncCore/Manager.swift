/// A person the service knows: who a token speaks for, who owns customers,
/// and how far they see.
public struct Manager: Hashable, Sendable {
    /// What a manager may see and do.
    public enum Role: String, Sendable, CaseIterable, Comparable {
        /// Their own customers.
        case manager
        /// Every customer of their branch; reassigns within it; reads its report.
        case supervisor
        /// Everything, every branch.
        case admin

        public static func < (lhs: Role, rhs: Role) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public var id: String
    public var name: String
    public var branch: String
    public var role: Role

    public init(id: String, name: String, branch: String, role: Role) {
        self.id = id
        self.name = name
        self.branch = branch
        self.role = role
    }

    /// Who the server's own command line acts as (it reads the store directly,
    /// so whoever runs it can do anything anyway); named in the audit trail.
    public static let serverConsole = Manager(
        id: "server-console", name: "fieldsync-server command line", branch: "", role: .admin)
}

/// Branch names follow the manager-id rule, so they are safe in URLs and logs.
public enum BranchName {
    public static var rule: String { ManagerID.rule }
    public static func isValid(_ text: String) -> Bool { ManagerID.isValid(text) }
}
