import FieldSyncCore
import Testing

@Suite("Schema validation")
struct SchemaValidationTests {
    let customers = try! Schema.default.table("customers")
    let holdings = try! Schema.default.table("holdings")

    func violation(_ body: () throws -> Void) -> SchemaViolation? {
        do {
            try body()
            return nil
        } catch let error as SchemaViolation {
            return error
        } catch {
            return nil
        }
    }

    @Test("every table has a deleted field last and a 20-field customer record")
    func shape() {
        for table in Schema.default.tables {
            #expect(table.columns.last?.name == TableSchema.deletedColumn)
        }
        #expect(customers.columns.count == 20)
        #expect(Schema.default.tables.map(\.name) == ["customers", "interactions", "tasks", "holdings"])
    }

    @Test("unknown tables and columns name what exists")
    func unknownNames() {
        let table = violation { _ = try Schema.default.table("clients") }
        #expect(table?.code == .unknownTable)
        #expect(table?.message.contains("customers, interactions, tasks, holdings") == true)
        let column = violation { _ = try customers.validate(.text("x"), for: "nickname") }
        #expect(column?.code == .unknownColumn)
        #expect(column?.field == "customers.nickname")
    }

    @Test("enumerations list the allowed values and never echo the value")
    func enumerations() throws {
        #expect(try customers.validate(.text("balanced"), for: "risk_profile") == .text("balanced"))
        let error = violation { _ = try customers.validate(.text("secret-value"), for: "risk_profile") }
        #expect(error?.code == .notAllowed)
        #expect(error?.message.contains("conservative, moderate, balanced, growth, aggressive") == true)
        #expect(error?.message.contains("secret-value") == false)
    }

    @Test("types: integers, reals, booleans, text")
    func types() throws {
        #expect(violation { _ = try customers.validate(.text("three"), for: "dependents") }?.code == .wrongType)
        #expect(try customers.validate(.real(3), for: "dependents") == .integer(3), "JSON cannot tell 3 from 3.0")
        #expect(violation { _ = try customers.validate(.real(3.5), for: "dependents") }?.code == .wrongType)
        #expect(violation { _ = try customers.validate(.integer(2), for: "deleted") }?.code == .wrongType)
        #expect(violation { _ = try customers.validate(.integer(5), for: "phone") }?.code == .wrongType)
        #expect(violation { _ = try customers.validate(.text("An\u{0}na"), for: "notes") }?.code == .wrongType)
        #expect(violation { _ = try customers.validate(.null, for: "full_name") }?.code == .requiredField)
        #expect(try customers.validate(.null, for: "phone") == .null)
    }

    @Test("dates are real calendar dates")
    func dates() throws {
        #expect(try customers.validate(.text("2024-02-29"), for: "birth_date") == .text("2024-02-29"))
        for bad in ["2023-02-29", "2024-13-01", "24-01-01", "2024-1-1", "2024-01-01T00:00:00Z"] {
            #expect(violation { _ = try customers.validate(.text(bad), for: "birth_date") }?.code == .badDate, "\(bad)")
        }
        // Typed in the right form, a day the calendar lacks is told apart from a wrong form.
        let noSuchDay = violation { _ = try customers.validate(.text("2026-02-30"), for: "birth_date") }
        #expect(noSuchDay?.message.contains("not a day of the calendar") == true)
        let wrongForm = violation { _ = try customers.validate(.text("2026-2-3"), for: "birth_date") }
        #expect(wrongForm?.message.contains("expects a date as YYYY-MM-DD") == true)
        let interactions = try Schema.default.table("interactions")
        for good in ["2026-11-22T09:30:00Z", "2026-11-22T09:30:00.250Z", "2026-11-22T09:30:00+01:00"] {
            #expect(try interactions.validate(.text(good), for: "occurred_at") == .text(good))
        }
        for bad in ["2026-11-22", "2026-11-22T25:00:00Z", "2026-11-22T09:30:00", "2026-11-22T09:30:60Z"] {
            #expect(violation { _ = try interactions.validate(.text(bad), for: "occurred_at") }?.code == .badDate)
        }
    }

    @Test("money is whole minor units with an ISO 4217 currency")
    func money() throws {
        #expect(try holdings.validate(.integer(2_500_000), for: "amount") == .integer(2_500_000))
        #expect(violation { _ = try holdings.validate(.real(12.5), for: "amount") }?.code == .badAmount)
        #expect(violation { _ = try holdings.validate(.text("eur"), for: "currency") }?.code == .notAllowed)
        #expect(try Money.minorUnits("25000.00", currency: "EUR", field: "f") == 2_500_000)
        #expect(try Money.minorUnits("25000.5", currency: "EUR", field: "f") == 2_500_050)
        #expect(try Money.minorUnits("-3.07", currency: "EUR", field: "f") == -307)
        #expect(try Money.minorUnits("1200", currency: "JPY", field: "f") == 1200)
        for bad in ["12.345", "1,000.00", "abc", "", "1.", ".5"] {
            #expect(violation { _ = try Money.minorUnits(bad, currency: "EUR", field: "f") }?.code == .badAmount, "\(bad)")
        }
        #expect(Money.format(2_500_050, currency: "EUR") == "25000.50 EUR")
        #expect(Money.format(-307, currency: "EUR") == "-3.07 EUR")
        #expect(Money.format(1200, currency: "JPY") == "1200 JPY")
    }

    @Test("ids are lower-case UUIDs; people may type upper case")
    func ids() throws {
        var generator = SeededGenerator(seed: 1)
        let id = RowID.random(using: &generator)
        #expect(RowID.isValid(id))
        #expect(try RowID.normalized(id.uppercased()) == id)
        #expect(!RowID.isValid("not-a-uuid"))
        #expect(violation { _ = try RowID.normalized("42") }?.code == .badID)
    }

    @Test("what people type is parsed by column type")
    func parsing() throws {
        #expect(try customers.parse("3", for: "dependents") == .integer(3))
        #expect(try customers.parse("", for: "phone") == .null)
        #expect(try customers.parse("yes", for: "deleted") == .integer(1))
        #expect(violation { _ = try customers.parse("", for: "full_name") }?.code == .requiredField)
        #expect(violation { _ = try holdings.parse("12.50", for: "amount") }?.code == .badAmount)
    }
}

@Suite("Calendar days")
struct ISODateTests {
    @Test("days since the epoch round-trip")
    func roundTrip() {
        for days in stride(from: -719_162, through: 2_932_896, by: 997) {  // 0001-01-01 ... 9999-12-31
            let day = ISODate.Day(daysSinceEpoch: days)
            #expect(day.daysSinceEpoch == days)
            #expect(ISODate.Day(ISODate.dateString(day)) == day)
        }
        #expect(ISODate.Day("1970-01-01")?.daysSinceEpoch == 0)
        #expect(ISODate.dateTime(millisSinceEpoch: 1_700_000_000_000) == "2023-11-14T22:13:20Z")
    }
}
