import FieldSyncCore

/// `GET /v1/report?branch=B&since=DATE` and `fieldsync-server report`: how
/// each manager's customer relationships went since a day: contact reach, new
/// information gathered, follow-ups and opportunities still open.
public struct BranchReport: Codable, Sendable, Equatable {
    public static let format = "fieldsync-branch-report"
    /// Without `since`, the report covers the last 30 days.
    public static let defaultDays = 30

    /// The first day counted: `since` when given (`YYYY-MM-DD`), else `defaultDays` before the service's day.
    public static func since(_ text: String?, nowMillis: UInt64) throws(SchemaViolation) -> ISODate.Day {
        guard let text else { return ISODate.Day(millisSinceEpoch: nowMillis).adding(days: -defaultDays) }
        guard let day = ISODate.Day(text) else { throw SchemaViolation(.badDate, field: nil, "since must be a day, YYYY-MM-DD") }
        return day
    }

    /// The branch reported on; nil: every branch.
    public var branch: String?
    /// The first day counted (`YYYY-MM-DD`, UTC) for visits, calls and new information.
    public var since: String
    /// The service's day when the report was made; tasks due before it are overdue.
    public var today: String
    public var generatedAtMillis: UInt64
    public var managers: [ManagerActivity]

    public init(branch: String?, since: String, today: String, generatedAtMillis: UInt64, managers: [ManagerActivity]) {
        self.branch = branch
        self.since = since
        self.today = today
        self.generatedAtMillis = generatedAtMillis
        self.managers = managers
    }

    enum CodingKeys: String, CodingKey {
        case format, branch, since, today, managers
        case generatedAt = "generated_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try WireFormat.check(container, .format, expected: Self.format)
        branch = try container.decodeIfPresent(String.self, forKey: .branch)
        since = try container.decode(String.self, forKey: .since)
        today = try container.decode(String.self, forKey: .today)
        guard let generated = ISODate.millis(dateTime: try container.decode(String.self, forKey: .generatedAt)) else {
            throw WireError.malformed("generated_at is not a time")
        }
        generatedAtMillis = generated
        managers = try container.decode([ManagerActivity].self, forKey: .managers)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.format, forKey: .format)
        try container.encode(branch, forKey: .branch)
        try container.encode(since, forKey: .since)
        try container.encode(today, forKey: .today)
        try container.encode(ISODate.dateTimeMillis(millisSinceEpoch: generatedAtMillis), forKey: .generatedAt)
        try container.encode(managers, forKey: .managers)
    }
}

/// One manager's line of the branch report.
public struct ManagerActivity: Codable, Sendable, Equatable {
    public var manager: String
    public var name: String
    public var branch: String
    public var role: String
    /// The last push or completed pull, `YYYY-MM-DDTHH:MM:SS.sssZ`; nil: never synced.
    public var lastSync: String?
    /// Whole days between the last sync and the report; nil: never synced.
    public var daysSinceSync: Int?
    /// Customers they own (not deleted).
    public var customers: Int
    /// Visits and calls they logged (the interaction's author, else the customer's owner) since the day.
    public var visits: Int
    public var calls: Int
    /// Customers whose profile gained a value this manager pushed since the day.
    public var customersWithNewInformation: Int
    /// Open follow-up tasks assigned to them, or on their customers when unassigned or assigned to a manager
    /// who no longer holds the customer; `overdueTasks` of them are past due.
    public var openTasks: Int
    public var overdueTasks: Int
    /// Interactions on their customers with an opportunity still open.
    public var openOpportunities: Int
    /// Open conflicts on their customers' records.
    public var openConflicts: Int

    public init(
        manager: String, name: String, branch: String, role: String, lastSync: String?, daysSinceSync: Int?,
        customers: Int, visits: Int, calls: Int, customersWithNewInformation: Int, openTasks: Int, overdueTasks: Int,
        openOpportunities: Int, openConflicts: Int
    ) {
        self.manager = manager
        self.name = name
        self.branch = branch
        self.role = role
        self.lastSync = lastSync
        self.daysSinceSync = daysSinceSync
        self.customers = customers
        self.visits = visits
        self.calls = calls
        self.customersWithNewInformation = customersWithNewInformation
        self.openTasks = openTasks
        self.overdueTasks = overdueTasks
        self.openOpportunities = openOpportunities
        self.openConflicts = openConflicts
    }

    enum CodingKeys: String, CodingKey {
        case manager, name, branch, role, customers, visits, calls
        case lastSync = "last_sync"
        case daysSinceSync = "days_since_sync"
        case customersWithNewInformation = "customers_with_new_information"
        case openTasks = "open_tasks"
        case overdueTasks = "overdue_tasks"
        case openOpportunities = "open_opportunities"
        case openConflicts = "open_conflicts"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(manager, forKey: .manager)
        try container.encode(name, forKey: .name)
        try container.encode(branch, forKey: .branch)
        try container.encode(role, forKey: .role)
        try container.encode(lastSync, forKey: .lastSync)
        try container.encode(daysSinceSync, forKey: .daysSinceSync)
        try container.encode(customers, forKey: .customers)
        try container.encode(visits, forKey: .visits)
        try container.encode(calls, forKey: .calls)
        try container.encode(customersWithNewInformation, forKey: .customersWithNewInformation)
        try container.encode(openTasks, forKey: .openTasks)
        try container.encode(overdueTasks, forKey: .overdueTasks)
        try container.encode(openOpportunities, forKey: .openOpportunities)
        try container.encode(openConflicts, forKey: .openConflicts)
    }
}
