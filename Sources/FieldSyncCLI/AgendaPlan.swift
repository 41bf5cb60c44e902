import FieldSyncCore
import FieldSyncReplica

/// What a manager should look at today: open tasks due today or overdue,
/// customers' birthdays in the next 7 days, holdings maturing in the next 30.
/// Records of deleted customers are left out.
struct AgendaPlan {
    static let birthdayDays = 7
    static let maturityDays = 30

    var tasks: [Record] = []
    var birthdays: [(customer: Record, on: ISODate.Day)] = []
    var maturing: [Record] = []
    /// Live customers' names by id, to print beside their tasks and holdings.
    var customerNames: [String: String] = [:]

    init(replica: Replica, today: ISODate.Day) throws {
        let customers = try replica.records("customers")
        customerNames = Dictionary(uniqueKeysWithValues: customers.map { ($0.id, $0["full_name"].description) })
        let live = Set(customers.map(\.id))
        func ofLiveCustomer(_ record: Record) -> Bool {
            record["customer_id"].textValue.map(live.contains) ?? false
        }
        tasks = try replica.records("tasks", where: "status", equals: .text("open"), orderBy: "due_date").filter {
            record in
            ofLiveCustomer(record) && record["due_date"].textValue.flatMap(ISODate.Day.init).map { $0 <= today } == true
        }
        birthdays = customers.compactMap { customer in
            guard let born = customer["birth_date"].textValue.flatMap(ISODate.Day.init) else { return nil }
            guard let next = Self.nextBirthday(born, onOrAfter: today) else { return nil }
            return next <= today.adding(days: Self.birthdayDays) ? (customer, next) : nil
        }.sorted { $0.on < $1.on }
        let horizon = today.adding(days: Self.maturityDays)
        maturing = try replica.records("holdings", orderBy: "maturity_date").filter { holding in
            guard ofLiveCustomer(holding), holding["status"] != .text("closed"), holding["status"] != .text("sold"),
                let maturity = holding["maturity_date"].textValue.flatMap(ISODate.Day.init)
            else { return false }
            return today <= maturity && maturity <= horizon
        }
    }

    /// The first anniversary of `born` on or after `day`; 29 February falls on
    /// 28 February in years without one. Nil past the year 9999.
    static func nextBirthday(_ born: ISODate.Day, onOrAfter day: ISODate.Day) -> ISODate.Day? {
        func anniversary(_ year: Int) -> ISODate.Day? {
            ISODate.Day(year: year, month: born.month, day: born.day)
                ?? ISODate.Day(year: year, month: born.month, day: born.day - 1)
        }
        guard let thisYear = anniversary(day.year) else { return nil }
        return thisYear < day ? anniversary(day.year + 1) : thisYear
    }
}
