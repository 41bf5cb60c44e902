import Testing

@Suite("holding add/list and money")
struct HoldingCommandTests {
    @Test("holding add stores --amount 25000.00 --currency EUR as 2500000 minor units")
    func amountInMinorUnits() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let ana = try await sandbox.addCustomer("Ana Silva")
        let added = try await sandbox.succeed(
            "holding", "add", ana, "Green Bond 2030", "--category", "bond", "--amount", "25000.00", "--currency", "EUR",
            "--start", "2025-06-30", "--maturity", "2030-06-30", "--stop-loss", "20000.5", "expected_yield_bps=325")
        let id = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let holding = try await sandbox.record("holdings", id)
        #expect(holding["amount"] == 2_500_000)
        #expect(holding["currency"] == "EUR")
        #expect(holding["stop_loss"] == 2_000_050)
        #expect(holding["customer_id"] == .string(ana))
        #expect(holding["product_name"] == "Green Bond 2030")
        #expect(holding["category"] == "bond")
        #expect(holding["start_date"] == "2025-06-30")
        #expect(holding["maturity_date"] == "2030-06-30")
        #expect(holding["expected_yield_bps"] == 325)
        #expect(holding["status"] == "active")
    }

    @Test(
        "amounts follow the currency's decimals",
        arguments: [
            ("25000", "EUR", 2_500_000), ("0.5", "EUR", 50), ("-12.34", "USD", -1234), ("1000", "JPY", 1000),
            ("1.234", "BHD", 1234),
        ] as [(String, String, Int64)])
    func amountsPerCurrency(_ amount: String, _ currency: String, _ minor: Int64) async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let ana = try await sandbox.addCustomer("Ana Silva")
        let added = try await sandbox.json(
            "holding", "add", ana, "Account", "--category", "savings", "--amount", amount, "--currency", currency)
        #expect(added["amount"] == .int(minor))
        #expect(added["currency"] == .string(currency))
    }

    @Test("holding list shows amounts with their currency, and --customer filters")
    func listShowsMoney() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let ana = try await sandbox.addCustomer("Ana Silva")
        let bruno = try await sandbox.addCustomer("Bruno Costa")
        let bond = try await sandbox.json(
            "holding", "add", ana, "Green Bond", "--category", "bond", "--amount", "25000.00", "--currency", "EUR")
        let fund = try await sandbox.json(
            "holding", "add", ana, "Atlantic Fund", "--category", "fund", "--amount", "1500", "--currency", "JPY")
        let loan = try await sandbox.json(
            "holding", "add", bruno, "Car Loan", "--category", "loan", "--amount", "8000", "--currency", "EUR")
        let ids = try [bond, fund, loan].map { try #require($0["id"]?.string) }

        #expect(try await sandbox.json("holding", "list").ids == [ids[1], ids[2], ids[0]], "sorted by product name")
        #expect(try await sandbox.json("holding", "list", "--customer", ana).ids == [ids[1], ids[0]])
        let text = try await sandbox.succeed("holding", "list", "--customer", ana)
        #expect(text.stdout.contains("25000.00 EUR"), "\(text)")
        #expect(text.stdout.contains("1500 JPY"), "\(text)")
        #expect(!text.stdout.contains("Car Loan"))
    }
}
