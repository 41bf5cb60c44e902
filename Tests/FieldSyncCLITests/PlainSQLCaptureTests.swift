import Foundation
import Testing

/// Other programs on the device write the replica with plain SQL (here the
/// sqlite3 shell); FieldSync must sync those edits like its own.
@Suite("Plain-SQL writes by other programs")
struct PlainSQLCaptureTests {
    /// Exports all changes and returns the fields of one row.
    func exportedFields(_ sandbox: Sandbox, table: String = "customers", id: String) async throws -> JSON {
        let file = sandbox.path("export-\(UUID().uuidString).json")
        try await sandbox.succeed("changes", "export", file)
        let document = try JSON.parse(String(contentsOfFile: file, encoding: .utf8), what: file)
        let row = document["rows"]?.array?.first { $0["table"] == .string(table) && $0["id"] == .string(id) }
        return try #require(row?["fields"], "the export has no \(table) row \(id): \(document)")
    }

    @Test("an UPDATE by sqlite3 is queued as pending and exported with a version of this replica")
    func updateIsCaptured() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = try await sandbox.addCustomer("Ana Silva", "city=Lisbon")
        let before = try await sandbox.json("status")
        let replicaID = try #require(before["replica_id"]?.string)
        let pending = try #require(before["pending_changes"]?.int)

        let update = try await sandbox.sqlite("UPDATE customers SET phone='+351987654321' WHERE id='\(id)'")
        #expect(update.succeeded, "\(update)")

        let after = try await sandbox.json("status")
        #expect(after["pending_changes"] == .int(pending + 1), "phone is a newly pending field")
        #expect((after["change_counter"]?.int ?? 0) > (before["change_counter"]?.int ?? 0))
        #expect(try await sandbox.record("customers", id)["phone"] == "+351987654321")

        let fields = try await exportedFields(sandbox, id: id)
        #expect(fields["phone"]?["value"] == "+351987654321")
        let phoneVersion = try #require(fields["phone"]?["version"]?.string)
        let nameVersion = try #require(fields["full_name"]?["version"]?.string)
        #expect(versionReplica(phoneVersion) == replicaID, "stamped by this replica: \(phoneVersion)")
        #expect(phoneVersion > nameVersion, "the plain-SQL edit is newer than the add")
        #expect(fields["city"]?["value"] == "Lisbon")
    }

    @Test("a captured edit is stamped once: reopening the replica does not stamp it again")
    func captureIsStampedOnce() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = try await sandbox.addCustomer("Ana Silva")
        #expect(try await sandbox.sqlite("UPDATE customers SET notes='met at fair' WHERE id='\(id)'").succeeded)
        let first = try await sandbox.state()
        #expect(try await sandbox.state() == first)
        let version = try await exportedFields(sandbox, id: id)["notes"]?["version"]
        #expect(try await exportedFields(sandbox, id: id)["notes"]?["version"] == version)
    }

    @Test("an INSERT by sqlite3 becomes a record FieldSync lists and exports")
    func insertIsCaptured() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = Sandbox.newID()
        let insert = try await sandbox.sqlite(
            "INSERT INTO customers(id, owner, full_name, city) VALUES ('\(id)', 'ana.lima', 'Rui Matos', 'Faro')")
        #expect(insert.succeeded, "\(insert)")
        let status = try await sandbox.json("status")
        #expect(status["records"]?["customers"] == 1)
        // owner, full_name, city, and deleted (always captured on insert, as 0 by default).
        #expect(status["pending_changes"] == 4)
        #expect(try await sandbox.json("customer", "list").ids == [id])
        let fields = try await exportedFields(sandbox, id: id)
        #expect(fields["full_name"]?["value"] == "Rui Matos")
        #expect(fields["city"]?["value"] == "Faro")
        #expect(fields["deleted"]?["value"] == 0)
        #expect(versionReplica(fields["owner"]?["version"]?.string ?? "") == status["replica_id"]?.string)
    }

    @Test("a plain DELETE leaves the row in place with deleted=1, synced as an edit")
    func deleteBecomesTombstone() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = try await sandbox.addCustomer("Ana Silva")
        let keep = try await sandbox.addCustomer("Bruno Costa")
        let replicaID = try #require(try await sandbox.json("status")["replica_id"]?.string)
        let addedVersion = try #require(try await exportedFields(sandbox, id: id)["deleted"]?["version"]?.string)

        let delete = try await sandbox.sqlite("DELETE FROM customers WHERE id='\(id)'")
        #expect(delete.succeeded, "\(delete)")
        let row = try await sandbox.sqlite("SELECT count(*), max(deleted) FROM customers WHERE id='\(id)'")
        #expect(row.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1|1", "\(row)")

        #expect(try await sandbox.json("customer", "list").ids == [keep])
        #expect(try await sandbox.record("customers", id)["deleted"] == 1)
        let deleted = try #require(try await exportedFields(sandbox, id: id)["deleted"])
        #expect(deleted["value"] == 1)
        let version = try #require(deleted["version"]?.string)
        #expect(versionReplica(version) == replicaID)
        #expect(version > addedVersion)
    }

    @Test("a plain UPDATE that breaks the schema fails in sqlite3 and changes nothing")
    func schemaBreakingUpdateFails() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = try await sandbox.addCustomer("Ana Silva", "risk_profile=moderate")
        let before = try await sandbox.state()
        for sql in [
            "UPDATE customers SET risk_profile='yolo' WHERE id='\(id)'",
            "UPDATE customers SET birth_date='2020-13-01' WHERE id='\(id)'",
            "UPDATE customers SET dependents='many' WHERE id='\(id)'",
            "UPDATE customers SET id='\(Sandbox.newID())' WHERE id='\(id)'",
            "INSERT INTO customers(id, owner, full_name) VALUES ('not-a-uuid', 'ana.lima', 'X')",
        ] {
            let result = try await sandbox.sqlite(sql)
            #expect(result.exitCode != 0, "sqlite3 accepted: \(sql)")
            #expect(!result.stderr.isEmpty)
        }
        #expect(try await sandbox.state() == before)
        let stored = try await sandbox.sqlite("SELECT risk_profile FROM customers WHERE id='\(id)'")
        #expect(stored.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "moderate")
        #expect(try await sandbox.record("customers", id)["risk_profile"] == "moderate")
    }

    /// SQLite 3.40's date('2020-02-30') returns it unchanged: the CHECK must
    /// normalise ('+0 days') to refuse it, or the date would be captured,
    /// exported, and refused by every other replica.
    @Test("a plain UPDATE with an impossible date (2020-02-30) fails in sqlite3 and changes nothing")
    func impossibleDateIsRefused() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = try await sandbox.addCustomer("Ana Silva", "birth_date=1980-01-31")
        let before = try await sandbox.state()
        let result = try await sandbox.sqlite("UPDATE customers SET birth_date='2020-02-30' WHERE id='\(id)'")
        #expect(result.exitCode != 0, "sqlite3 stored an impossible date")
        #expect(try await sandbox.state() == before)
        #expect(try await sandbox.record("customers", id)["birth_date"] == "1980-01-31")
    }
}
