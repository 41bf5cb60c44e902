import Testing

/// The agenda for 2026-06-10: tasks due by then, birthdays by 2026-06-17,
/// holdings maturing by 2026-07-10.
@Suite("agenda --date")
struct AgendaCommandTests {
    static let today = "2026-06-10"

    struct Book {
        var inside: [String: String] = [:]  // label → id of what must appear
        var outside: [String: String] = [:]  // label → id of what must not
    }

    /// Customers, tasks and holdings on both sides of every window.
    func fill(_ sandbox: Sandbox) async throws -> Book {
        var book = Book()
        let ana = try await sandbox.addCustomer("Ana Silva", "birth_date=1980-06-14")
        book.inside["birthday in 4 days"] = ana
        book.inside["birthday today"] = try await sandbox.addCustomer("Carla Dias", "birth_date=1990-06-10")
        book.inside["birthday in exactly 7 days"] = try await sandbox.addCustomer("Duarte Reis", "birth_date=1970-06-17")
        book.outside["birthday in 8 days"] = try await sandbox.addCustomer("Eva Lopes", "birth_date=1971-06-18")
        book.outside["birthday yesterday"] = try await sandbox.addCustomer("Filipe Neves", "birth_date=1985-06-09")
        book.outside["no birth date"] = try await sandbox.addCustomer("Gil Rocha")

        func task(_ title: String, due: String) async throws -> String {
            try #require(try await sandbox.json("task", "add", ana, title, "--due", due)["id"]?.string)
        }
        book.inside["task overdue"] = try await task("Overdue call", due: "2026-06-01")
        book.inside["task due today"] = try await task("Today's call", due: Self.today)
        book.outside["task due tomorrow"] = try await task("Tomorrow's call", due: "2026-06-11")
        let done = try await task("Done call", due: "2026-05-01")
        try await sandbox.succeed("task", "done", done)
        book.outside["task done"] = done

        func holding(_ name: String, maturity: String, _ more: String...) async throws -> String {
            let arguments = ["holding", "add", ana, name, "--category", "term_deposit", "--amount", "1000.00",
                "--currency", "EUR", "--maturity", maturity] + more + ["--json", "--replica", sandbox.replica]
            let result = try await sandbox.run(arguments)
            try #require(result.succeeded, "\(result)")
            return try #require(try result.json()["id"]?.string)
        }
        book.inside["matures in 15 days"] = try await holding("Deposit A", maturity: "2026-06-25")
        book.inside["matures in exactly 30 days"] = try await holding("Deposit B", maturity: "2026-07-10")
        book.inside["matures today"] = try await holding("Deposit C", maturity: Self.today)
        book.outside["matures in 31 days"] = try await holding("Deposit D", maturity: "2026-07-11")
        book.outside["matured yesterday"] = try await holding("Deposit E", maturity: "2026-06-09")
        book.outside["closed"] = try await holding("Deposit F", maturity: "2026-06-20", "status=closed")

        // Everything of a deleted customer stays off the agenda.
        let gone = try await sandbox.addCustomer("Hugo Pinto", "birth_date=1980-06-12")
        let goneTask = try await sandbox.json("task", "add", gone, "Call", "--due", "2026-06-01")
        let goneHolding = try await sandbox.json(
            "holding", "add", gone, "Deposit G", "--category", "savings", "--amount", "5", "--currency", "EUR",
            "--maturity", "2026-06-20")
        try await sandbox.succeed("customer", "delete", gone)
        book.outside["deleted customer's birthday"] = gone
        book.outside["deleted customer's task"] = try #require(goneTask["id"]?.string)
        book.outside["deleted customer's holding"] = try #require(goneHolding["id"]?.string)
        return book
    }

    @Test("agenda --json lists exactly the tasks, birthdays and maturities inside their windows")
    func agendaWindows() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let book = try await fill(sandbox)
        let agenda = try await sandbox.json("agenda", "--date", Self.today)
        #expect(agenda.keys == ["date", "tasks", "birthdays", "maturing"])
        #expect(agenda["date"] == .string(Self.today))

        let listed = Set(
            (agenda["tasks"]?.ids ?? []) + (agenda["maturing"]?.ids ?? [])
                + (agenda["birthdays"]?.array?.compactMap { $0["customer_id"]?.string } ?? []))
        for (label, id) in book.inside {
            #expect(listed.contains(id), "\(label) should be on the agenda")
        }
        for (label, id) in book.outside {
            #expect(!listed.contains(id), "\(label) should not be on the agenda")
        }
        #expect(agenda["tasks"]?.ids == [book.inside["task overdue"]!, book.inside["task due today"]!])
        #expect(agenda["maturing"]?.array?.compactMap { $0["maturity_date"]?.string } == [
            "2026-06-10", "2026-06-25", "2026-07-10",
        ])
        #expect(agenda["maturing"]?[0]?["amount"] == 100_000)
        let birthdays = try #require(agenda["birthdays"]?.array)
        #expect(birthdays.compactMap { $0["date"]?.string } == ["2026-06-10", "2026-06-14", "2026-06-17"])
        #expect(birthdays.compactMap { $0["full_name"]?.string } == ["Carla Dias", "Ana Silva", "Duarte Reis"])
    }

    @Test("agenda without --json marks overdue tasks and shows amounts with their currency")
    func agendaForPeople() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        _ = try await fill(sandbox)
        let result = try await sandbox.succeed("agenda", "--date", Self.today)
        let lines = result.lines
        #expect(lines.first == "Agenda for 2026-06-10")
        let overdue = try #require(lines.first { $0.contains("Overdue call") }, "\(result)")
        #expect(overdue.contains("2026-06-01 (overdue)"))
        #expect(overdue.contains("Ana Silva"))
        let dueToday = try #require(lines.first { $0.contains("Today's call") })
        #expect(!dueToday.contains("overdue"))
        #expect(!result.stdout.contains("Tomorrow's call"))
        #expect(result.stdout.contains("Tasks due (2)"))
        #expect(result.stdout.contains("Birthdays in the next 7 days (3)"))
        #expect(result.stdout.contains("Holdings maturing in the next 30 days (3)"))
        #expect(result.stdout.contains("1000.00 EUR"))
    }

    @Test(
        "birthdays wrap around the new year, and 29 February falls on 28 February in common years",
        arguments: [
            ("2026-12-28", "1990-01-02", "2027-01-02"),
            ("2027-02-25", "2000-02-29", "2027-02-28"),
            ("2028-02-25", "2000-02-29", "2028-02-29"),
        ])
    func birthdayEdges(_ today: String, _ born: String, _ expected: String) async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = try await sandbox.addCustomer("Ana Silva", "birth_date=\(born)")
        let agenda = try await sandbox.json("agenda", "--date", today)
        #expect(agenda["birthdays"] == .array([.object(["customer_id": .string(id), "full_name": "Ana Silva", "date": .string(expected)])]))
    }

    @Test("agenda of an empty replica lists nothing")
    func emptyAgenda() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let agenda = try await sandbox.json("agenda", "--date", Self.today)
        #expect(agenda == .object(["date": .string(Self.today), "tasks": .array([]), "birthdays": .array([]), "maturing": .array([])]))
    }
}
