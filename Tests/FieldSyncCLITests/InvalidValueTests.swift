import Testing

extension Sandbox {
    /// Runs `fieldsync ARGUMENTS --replica PATH`, which must fail with `[code]`,
    /// a message naming each of `mentions` and never quoting `secret` (a
    /// rejected value may be customer data), and leave the replica as it was.
    @discardableResult
    func expectRejected(
        _ arguments: [String], code: String, mentions: [String] = [], secret: String? = nil, on replica: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ProcessResult {
        let before = try await state(replica)
        let result = try await run(arguments + ["--replica", replica ?? self.replica])
        #expect(result.exitCode == 1, "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("fieldsync: "), "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains("[\(code)]"), "\(result)", sourceLocation: sourceLocation)
        for mention in mentions {
            #expect(result.stderr.contains(mention), "the message should name \(mention): \(result)", sourceLocation: sourceLocation)
        }
        if let secret {
            #expect(!result.stderr.contains(secret), "the message quotes the value: \(result)", sourceLocation: sourceLocation)
        }
        #expect(result.stdout.isEmpty, "\(result)", sourceLocation: sourceLocation)
        #expect(try await state(replica) == before, "a rejected command wrote something", sourceLocation: sourceLocation)
        return result
    }
}

/// Values, tables, columns and ids the schema refuses: exit 1, an actionable
/// message with the stable code, and nothing written.
@Suite("Rejected input")
struct InvalidValueTests {
    /// A replica holding one customer, whose id is returned.
    func replicaWithCustomer() async throws -> (Sandbox, String) {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = try await sandbox.addCustomer("Ana Silva", "city=Lisbon")
        return (sandbox, id)
    }

    @Test("unknown table [unknown_table] names the tables there are")
    func unknownTable() async throws {
        let (sandbox, id) = try await replicaWithCustomer()
        try await sandbox.expectRejected(
            ["record", "set", "widgets", id, "city=Porto"], code: "unknown_table",
            mentions: ["widgets", "customers, interactions, tasks, holdings"])
        try await sandbox.expectRejected(["record", "list", "widgets"], code: "unknown_table")
    }

    @Test("unknown column [unknown_column] names the table's columns")
    func unknownColumn() async throws {
        let (sandbox, id) = try await replicaWithCustomer()
        try await sandbox.expectRejected(
            ["customer", "edit", id, "city=Porto", "colour=red"], code: "unknown_column",
            mentions: ["colour", "customers", "full_name, birth_date"])
        try await sandbox.expectRejected(
            ["customer", "edit", id, "no-equals-sign"], code: "bad_argument", mentions: ["COLUMN=VALUE"])
        try await sandbox.expectRejected(
            ["customer", "add", "Bruno Costa", "colour=red"], code: "unknown_column", mentions: ["colour"])
    }

    @Test("wrong type: dependents=abc [wrong_type] says a whole number is expected")
    func wrongType() async throws {
        let (sandbox, id) = try await replicaWithCustomer()
        try await sandbox.expectRejected(
            ["customer", "edit", id, "dependents=abc"], code: "wrong_type",
            mentions: ["customers.dependents", "whole number"], secret: "abc")
        try await sandbox.expectRejected(
            ["record", "set", "customers", id, "owner=not a manager!"], code: "wrong_type",
            mentions: ["customers.owner"], secret: "not a manager!")
    }

    @Test("an enum value outside the list [value_not_allowed] lists the allowed values")
    func enumValueNotAllowed() async throws {
        let (sandbox, id) = try await replicaWithCustomer()
        try await sandbox.expectRejected(
            ["customer", "edit", id, "risk_profile=yolo"], code: "value_not_allowed",
            mentions: ["customers.risk_profile", "conservative, moderate, balanced, growth, aggressive"], secret: "yolo")
        try await sandbox.expectRejected(
            ["customer", "add", "Bruno Costa", "family_status=complicated"], code: "value_not_allowed",
            mentions: ["customers.family_status", "single, married"], secret: "complicated")
        try await sandbox.expectRejected(
            ["task", "add", id, "Call", "--due", "2026-01-01", "--kind", "nap"], code: "value_not_allowed",
            mentions: ["tasks.kind", "call_back"])
        try await sandbox.expectRejected(
            ["holding", "add", id, "Bond", "--category", "crypto", "--amount", "1", "--currency", "EUR"],
            code: "value_not_allowed", mentions: ["holdings.category", "term_deposit"])
        try await sandbox.expectRejected(
            ["holding", "add", id, "Bond", "--category", "bond", "--amount", "1", "--currency", "eur"],
            code: "value_not_allowed", mentions: ["holdings.currency", "ISO 4217"])
    }

    @Test("creating a record without a required field [required_field] names the missing fields")
    func missingRequiredField() async throws {
        let (sandbox, _) = try await replicaWithCustomer()
        let newID = Sandbox.newID()
        try await sandbox.expectRejected(
            ["record", "set", "customers", newID, "owner=ana.lima", "city=Porto"], code: "required_field",
            mentions: ["customers", "full_name"])
        try await sandbox.expectRejected(
            ["record", "set", "customers", newID, "city=Porto"], code: "required_field", mentions: ["full_name", "owner"])
        try await sandbox.expectRejected(["record", "get", "customers", newID], code: "unknown_record")
    }

    @Test("clearing a required field of an existing record [required_field]")
    func clearingRequiredField() async throws {
        let (sandbox, id) = try await replicaWithCustomer()
        try await sandbox.expectRejected(
            ["customer", "edit", id, "full_name="], code: "required_field", mentions: ["customers.full_name"])
    }

    @Test("a date that does not exist [bad_date] shows the expected format")
    func malformedDate() async throws {
        let (sandbox, id) = try await replicaWithCustomer()
        try await sandbox.expectRejected(
            ["customer", "edit", id, "birth_date=2020-02-30"], code: "bad_date",
            mentions: ["customers.birth_date", "YYYY-MM-DD"], secret: "2020-02-30")
        try await sandbox.expectRejected(
            ["task", "add", id, "Call", "--due", "2020-02-30"], code: "bad_date", mentions: ["tasks.due_date"])
        try await sandbox.expectRejected(
            ["visit", "log", id, "--at", "yesterday"], code: "bad_date", mentions: ["interactions.occurred_at"])
        try await sandbox.expectRejected(["agenda", "--date", "2020-02-30"], code: "bad_date", mentions: ["--date"])
    }

    @Test("an amount with too many decimals or no number [bad_amount] says what is allowed")
    func malformedAmount() async throws {
        let (sandbox, id) = try await replicaWithCustomer()
        for amount in ["12.345", "abc", "12.", "1,000.00"] {
            try await sandbox.expectRejected(
                ["holding", "add", id, "Bond", "--category", "bond", "--amount", amount, "--currency", "EUR"],
                code: "bad_amount", mentions: ["holdings.amount", "2 decimals", "EUR"], secret: amount)
        }
        try await sandbox.expectRejected(
            ["holding", "add", id, "Bond", "--category", "bond", "--amount", "10.5", "--currency", "JPY"],
            code: "bad_amount", mentions: ["0 decimals"])
        try await sandbox.expectRejected(
            ["holding", "add", id, "Bond", "--category", "bond", "--amount", "10", "--currency", "EUR",
                "--stop-loss", "1.001"],
            code: "bad_amount", mentions: ["holdings.stop_loss"])
        try await sandbox.expectRejected(
            ["record", "set", "holdings", Sandbox.newID(), "amount=12.50"], code: "bad_amount",
            mentions: ["holdings.amount", "minor units"])
    }

    /// Amounts just past Int64's range once crashed the process (an unchecked `+`).
    @Test("an amount past the largest storable one [bad_amount], not a crash")
    func amountOverflow() async throws {
        let (sandbox, id) = try await replicaWithCustomer()
        let largest = try await sandbox.json(
            "holding", "add", id, "Max", "--category", "bond", "--amount=92233720368547758.07", "--currency", "EUR")
        #expect(largest["amount"] == .int(Int64.max))
        try await sandbox.expectRejected(
            ["holding", "add", id, "Bond", "--category", "bond", "--amount=99999999999999999999", "--currency", "EUR"],
            code: "bad_amount", mentions: ["holdings.amount"])
        for amount in ["92233720368547758.08", "-92233720368547758.09"] {
            try await sandbox.expectRejected(
                ["holding", "add", id, "Bond", "--category", "bond", "--amount=\(amount)", "--currency", "EUR"],
                code: "bad_amount", mentions: ["holdings.amount"])
        }
    }

    @Test("an id the replica does not hold [unknown_record], for edit, show, delete and done")
    func unknownID() async throws {
        let (sandbox, _) = try await replicaWithCustomer()
        let missing = Sandbox.newID()
        try await sandbox.expectRejected(
            ["customer", "edit", missing, "city=Porto"], code: "unknown_record", mentions: ["customers", missing])
        try await sandbox.expectRejected(["customer", "show", missing], code: "unknown_record", mentions: [missing])
        try await sandbox.expectRejected(["customer", "delete", missing], code: "unknown_record")
        try await sandbox.expectRejected(["task", "done", missing], code: "unknown_record", mentions: ["tasks"])
        try await sandbox.expectRejected(["record", "delete", "holdings", missing], code: "unknown_record")
    }

    @Test("an id that is not a UUID [bad_id]")
    func malformedID() async throws {
        let (sandbox, _) = try await replicaWithCustomer()
        try await sandbox.expectRejected(["customer", "show", "42"], code: "bad_id", mentions: ["UUID"])
        try await sandbox.expectRejected(["record", "set", "customers", "42", "city=Porto"], code: "bad_id")
    }

    @Test("a reference to a customer the replica does not hold [missing_reference]")
    func missingReference() async throws {
        let (sandbox, _) = try await replicaWithCustomer()
        try await sandbox.expectRejected(
            ["task", "add", Sandbox.newID(), "Call", "--due", "2026-01-01"], code: "missing_reference",
            mentions: ["tasks.customer_id"])
    }

    @Test("under --json the error is a JSON object on standard error")
    func errorAsJSON() async throws {
        let (sandbox, id) = try await replicaWithCustomer()
        let result = try await sandbox.run(["--json", "customer", "edit", id, "tier=gold", "--replica", sandbox.replica])
        #expect(result.exitCode == 1)
        #expect(result.stdout.isEmpty)
        let error = try result.errorJSON()
        #expect(error.keys == ["error"])
        #expect(error["error"]?["code"] == "value_not_allowed")
        #expect(error["error"]?["message"]?.string?.contains("standard, premium, private") == true, "\(result)")
    }
}
