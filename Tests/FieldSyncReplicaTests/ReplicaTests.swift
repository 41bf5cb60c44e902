import FieldSyncCore
import FieldSyncReplica
import FieldSyncTestSupport
import Foundation
import GRDB
import Testing

@Suite("Replica")
struct ReplicaTests {
    let directory = TemporaryDirectory()
    let wall = ManualWallClock(1_800_000_000_000)
    let customerID = "3f2b8c1e-5d4a-4c6b-9e7f-0a1b2c3d4e5f"

    func makeReplica(_ name: String = "r.db", id: UInt64 = 1, manager: String = "ana") throws -> Replica {
        try Replica.create(
            at: directory.file(name), managerID: manager, replicaID: ReplicaID(rawValue: id)!, wallClock: wall.read)
    }

    func addCustomer(_ replica: Replica) throws {
        try replica.write(
            "customers", id: customerID, values: [("owner", .text("ana")), ("full_name", .text("Ana Silva"))],
            mode: .new)
    }

    @Test("a new replica's files (database, log, shared memory) are readable and writable by their owner only")
    func filesAreTheOwners() throws {
        let replica = try makeReplica()
        try addCustomer(replica)
        for suffix in ["", "-wal", "-shm"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: replica.path + suffix)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(suffix): \(attributes)")
        }
    }

    @Test("setting another service forgets the pull cursor; the same one, or a new token, keeps it")
    func anotherServiceForgetsTheCursor() throws {
        let replica = try makeReplica()
        #expect(try replica.setServer(url: "https://a.example.test", token: "t1") == false)
        try replica.applyPulled(ChangeSet(schemaVersion: 1, changes: []), cursor: PullCursor(seq: 7))
        #expect(try replica.setServer(url: "https://a.example.test", token: "t2") == false)
        try replica.setToken("t3")
        #expect(try replica.pullCursor() == PullCursor(seq: 7))
        #expect(try replica.setServer(url: "https://b.example.test", token: nil) == true)
        #expect(try replica.pullCursor() == .start)
        #expect(try replica.syncState().serverURL == "https://b.example.test" && replica.token == "t3")
        #expect(try replica.setServer(url: "https://c.example.test", token: nil) == false)
    }

    @Test("a device's commits survive a crash of the app; the service's, once it asks, a power cut too (synchronous FULL)")
    func commitDurability() throws {
        let replica = try makeReplica()
        let normal = 1, full = 2
        #expect(try replica.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == normal)
        try replica.syncEveryCommit()
        #expect(try replica.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == full)
    }

    @Test("identifiers are quoted for SQL, inner quotes doubled")
    func quotedIdentifiers() {
        #expect(ReplicaLayout.quote("full_name") == "\"full_name\"")
        #expect(ReplicaLayout.quote("a\"b") == "\"a\"\"b\"")
        #expect(ReplicaLayout.quote("\"") == "\"\"\"\"")
        #expect(ReplicaLayout.quote("") == "\"\"")
        // A quote with a combining mark is one character, but still a quote byte to double.
        #expect(ReplicaLayout.quote("a\"\u{301}b") == "\"a\"\"\u{301}b\"")
    }

    @Test("a replica created readable by others is the owner's alone once opened")
    func openingRestrictsAnOlderReplica() throws {
        let replica = try makeReplica()
        try addCustomer(replica)
        for suffix in ["", "-wal", "-shm"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: replica.path + suffix)
        }
        // Opened through a link: the files restricted are the replica's, beside the file the link names.
        let link = directory.file("link.db")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: replica.path)
        let reopened = try Replica.open(at: link, wallClock: wall.read)
        #expect(try reopened.recordCount("customers") == 1)
        for suffix in ["", "-wal", "-shm"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: replica.path + suffix)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(suffix): \(attributes)")
        }
    }

    @Test("a replica reopens with its id and manager; other files are refused")
    func openAndRefuse() throws {
        let created = try makeReplica()
        let reopened = try Replica.open(at: created.path, wallClock: wall.read)
        #expect(reopened.replicaID == created.replicaID)
        #expect(reopened.managerID == "ana")
        #expect(throws: ReplicaError.self) { try makeReplica() }

        try "hello".write(toFile: directory.file("text.db"), atomically: true, encoding: .utf8)
        let text = #expect(throws: ReplicaError.self) { try Replica.open(at: directory.file("text.db")) }
        #expect(text?.code == .notAReplica)

        let plain = try DatabaseQueue(path: directory.file("plain.db"))
        try plain.write { try $0.execute(sql: "CREATE TABLE t(x)") }
        let other = #expect(throws: ReplicaError.self) { try Replica.open(at: directory.file("plain.db")) }
        #expect(other?.code == .notAReplica)
        let missing = #expect(throws: ReplicaError.self) { try Replica.open(at: directory.file("none.db")) }
        #expect(missing?.code == .notAReplica)
    }

    @Test("a format-1 replica (before sync) is upgraded when opened, its records and pending edits kept")
    func upgradesFormat1() async throws {
        let replica = try makeReplica()
        try addCustomer(replica)
        let before = try replica.digest()
        let file = try DatabaseQueue(path: replica.path)
        try await file.write { db in
            try db.execute(sql: "DROP TABLE fs_rejected")
            try db.execute(sql: "UPDATE fs_meta SET value = '1' WHERE key = 'format_version'")
        }
        try file.close()
        let reopened = try Replica.open(at: replica.path, wallClock: wall.read)
        #expect(try reopened.meta("format_version") == "2")
        #expect(try reopened.rejectedChanges().isEmpty)
        #expect(try reopened.digest().digest == before.digest && reopened.pendingCount() == 3)
    }

    @Test("a local write stamps each changed field and queues it with its base")
    func localWrites() throws {
        let replica = try makeReplica()
        try addCustomer(replica)
        let created = try replica.pendingChanges()
        #expect(Set(created.map(\.column)) == ["owner", "full_name", "deleted"])
        #expect(created.allSatisfy { $0.base == nil && $0.version.replica == replica.replicaID })

        wall.millis += 10
        let edit = try replica.write("customers", id: customerID, values: [("phone", .text("+351 1"))])
        wall.millis += 10
        let again = try replica.write("customers", id: customerID, values: [("phone", .text("+351 2"))])
        #expect(again[0].version > edit[0].version)
        let unchanged = try replica.write("customers", id: customerID, values: [("phone", .text("+351 2"))])
        #expect(unchanged.isEmpty, "writing the current value is no change")
        let phone = try replica.pendingChanges().first { $0.column == "phone" }
        #expect(phone?.value == .text("+351 2"))
        #expect(phone?.base == nil, "a second unsent edit keeps the first edit's base")

        // Someone else's newer version arrives; the next local edit has seen it.
        let remote = Version(
            timestamp: HybridTimestamp(millis: wall.millis + 5, counter: 0), replica: ReplicaID(rawValue: 9)!)
        let outcome = try replica.merge(
            ChangeSet(
                schemaVersion: 1,
                changes: [
                    FieldChange(
                        table: "customers", rowID: customerID, column: "city", value: .text("Porto"), version: remote)
                ]))
        #expect(outcome.changedFields == [FieldRef(table: "customers", rowID: customerID, column: "city")])
        let city = try replica.write("customers", id: customerID, values: [("city", .text("Faro"))])
        #expect(city[0].base == remote)
        #expect(city[0].version > remote)
    }

    @Test("required fields, references and modes are enforced; a failed write writes nothing")
    func writeRules() throws {
        let replica = try makeReplica()
        let missing = #expect(throws: SchemaViolation.self) {
            try replica.write("customers", id: customerID, values: [("phone", .text("1"))])
        }
        #expect(missing?.code == .requiredField)
        #expect(missing?.message.contains("owner, full_name") == true)
        let reference = #expect(throws: ReplicaError.self) {
            try replica.write(
                "tasks", id: "aaaaaaaa-5d4a-4c6b-9e7f-0a1b2c3d4e5f",
                values: [
                    ("customer_id", .text(customerID)), ("kind", .text("call_back")), ("title", .text("x")),
                    ("due_date", .text("2026-01-01")), ("status", .text("open")),
                ])
        }
        #expect(reference?.code == .missingReference)
        let unknown = #expect(throws: ReplicaError.self) {
            try replica.write("customers", id: customerID, values: [("phone", .text("1"))], mode: .existing)
        }
        #expect(unknown?.code == .unknownRecord)
        #expect(try replica.pendingCount() == 0)
        #expect(try replica.digest().rows == 0)
    }

    @Test("several rows written as one edit, in order (a task may name the customer written before it), all or nothing")
    func writeSeveral() throws {
        let replica = try makeReplica()
        let task = "aaaaaaaa-5d4a-4c6b-9e7f-0a1b2c3d4e5f"
        let taskFields: [(column: String, value: Value)] = [
            ("customer_id", .text(customerID)), ("kind", .text("call_back")), ("title", .text("x")),
            ("due_date", .text("2026-01-01")), ("status", .text("open")),
        ]
        let refused = #expect(throws: ReplicaError.self) {
            try replica.write([
                Replica.Edit(
                    "customers", id: customerID, values: [("owner", .text("ana")), ("full_name", .text("Ana"))],
                    mode: .new),
                Replica.Edit("tasks", id: task, values: taskFields, mode: .new),
                Replica.Edit("customers", id: customerID, values: [("phone", .text("1"))], mode: .new),
            ])
        }
        #expect(refused?.code == .recordExists)
        #expect(try replica.pendingCount() == 0 && replica.digest().rows == 0)

        let changes = try replica.write([
            Replica.Edit(
                "customers", id: customerID, values: [("owner", .text("ana")), ("full_name", .text("Ana"))], mode: .new),
            Replica.Edit("tasks", id: task, values: taskFields, mode: .new),
        ])
        #expect(changes.map(\.table) == Array(repeating: "customers", count: 3) + Array(repeating: "tasks", count: 6))
        #expect(Set(changes.map(\.version)).count == 2, "one version per row, as separate writes give")
        #expect(try replica.pendingCount() == 9 && replica.digest().rows == 2)
    }

    @Test("merging: higher wins per field, lower and equal versions change nothing")
    func mergeRule() throws {
        let replica = try makeReplica()
        let v1 = Version(timestamp: HybridTimestamp(millis: 100, counter: 0), replica: ReplicaID(rawValue: 5)!)
        let v2 = Version(timestamp: HybridTimestamp(millis: 200, counter: 0), replica: ReplicaID(rawValue: 5)!)
        func change(_ column: String, _ value: Value, _ version: Version) -> FieldChange {
            FieldChange(table: "customers", rowID: customerID, column: column, value: value, version: version)
        }
        let first = try replica.merge(
            ChangeSet(schemaVersion: 1, changes: [change("full_name", .text("A"), v2), change("city", .text("X"), v1)]))
        #expect(first.changed == 2)
        let second = try replica.merge(
            ChangeSet(schemaVersion: 1, changes: [change("full_name", .text("B"), v1), change("city", .text("Y"), v2)]))
        #expect(second.changedFields.map(\.column) == ["city"])
        let again = try replica.merge(ChangeSet(schemaVersion: 1, changes: [change("city", .text("Y"), v2)]))
        #expect(again.changed == 0)
        let record = try #require(try replica.record("customers", id: customerID))
        #expect(record["full_name"] == .text("A"))
        #expect(record["city"] == .text("Y"))
        #expect(try replica.pendingCount() == 0, "merged changes are not local edits")
    }

    @Test("a change set the schema refuses fails whole and writes nothing")
    func refusedSet() throws {
        let replica = try makeReplica()
        try addCustomer(replica)
        let before = try replica.digest().digest
        let version = Version(timestamp: HybridTimestamp(millis: 1, counter: 0), replica: ReplicaID(rawValue: 5)!)
        let good = FieldChange(
            table: "customers", rowID: customerID, column: "city", value: .text("X"), version: version)
        for (bad, code) in [
            (
                FieldChange(
                    table: "customers", rowID: customerID, column: "tier", value: .text("gold"), version: version),
                ErrorCode.notAllowed
            ),
            (
                FieldChange(
                    table: "customers", rowID: customerID, column: "nickname", value: .text("x"), version: version),
                .unknownColumn
            ),
            (
                FieldChange(table: "clients", rowID: customerID, column: "city", value: .text("x"), version: version),
                .unknownTable
            ),
            (
                FieldChange(
                    table: "customers", rowID: "NOT-A-UUID", column: "city", value: .text("x"), version: version),
                .badID
            ),
            (
                FieldChange(table: "customers", rowID: customerID, column: "deleted", value: .null, version: version),
                .requiredField
            ),
        ] {
            let error = #expect(throws: SchemaViolation.self) {
                try replica.merge(ChangeSet(schemaVersion: 1, changes: [good, bad]))
            }
            #expect(error?.code == code)
            #expect(try replica.digest().digest == before)
        }
        let wrongVersion = #expect(throws: SchemaViolation.self) {
            try replica.merge(ChangeSet(schemaVersion: 2, changes: [good]))
        }
        #expect(wrongVersion?.code == .schemaVersion)
    }

    @Test("writes by other programs with plain SQL are captured as pending changes")
    func plainSQLCapture() throws {
        let replica = try makeReplica()
        try addCustomer(replica)
        let other = try DatabaseQueue(path: replica.path)  // another program: triggers enabled
        try other.write { db in
            try db.execute(
                sql: "UPDATE customers SET phone = '+351 9', city = 'Braga' WHERE id = ?", arguments: [customerID])
            try db.execute(sql: "DELETE FROM customers WHERE id = ?", arguments: [customerID])
        }
        let refused = #expect(throws: DatabaseError.self) {
            try other.write {
                try $0.execute(sql: "UPDATE customers SET tier = 'gold' WHERE id = ?", arguments: [self.customerID])
            }
        }
        #expect(refused?.resultCode == .SQLITE_CONSTRAINT)
        try other.close()

        wall.millis += 1_000
        try replica.absorbCapturedWrites()
        let pending = Dictionary(uniqueKeysWithValues: try replica.pendingChanges().map { ($0.column, $0) })
        #expect(pending["phone"]?.value == .text("+351 9"))
        #expect(pending["city"]?.value == .text("Braga"))
        #expect(pending["deleted"]?.value == .integer(1), "a plain DELETE becomes deleted = 1")
        #expect(pending["phone"]?.version.replica == replica.replicaID)
        #expect(pending["phone"]?.version.timestamp.millis == wall.millis)
        let record = try #require(try replica.record("customers", id: customerID))
        #expect(record.isDeleted)
        #expect(record.versions[record.table.columnIndex("phone")!] == pending["phone"]?.version)
    }

    @Test("an outside edit the schema refuses is not stamped, not exported, and a later write supersedes it")
    func refusedOutsideEdit() throws {
        let replica = try makeReplica()
        try addCustomer(replica)
        let other = try DatabaseQueue(path: replica.path)
        // 16 KiB of text passes the tables' CHECKs but not validation.
        let long = String(repeating: "x", count: 20_000)
        try other.write {
            try $0.execute(sql: "UPDATE customers SET notes = ? WHERE id = ?", arguments: [long, self.customerID])
        }
        try other.close()
        try replica.absorbCapturedWrites()
        #expect(
            try replica.refusedCapturedFields() == [FieldRef(table: "customers", rowID: customerID, column: "notes")])
        #expect(try replica.pendingChanges().contains { $0.column == "notes" } == false)
        #expect(try replica.changes().changeSet.changes.contains { $0.column == "notes" } == false)

        // A merged value for the field supersedes the refused edit: it is not re-stamped as local.
        let remote = Version(
            timestamp: HybridTimestamp(millis: wall.millis + 1, counter: 0), replica: ReplicaID(rawValue: 9)!)
        _ = try replica.merge(
            ChangeSet(
                schemaVersion: 1,
                changes: [
                    FieldChange(
                        table: "customers", rowID: customerID, column: "notes", value: .text("ok"), version: remote)
                ]))
        try replica.absorbCapturedWrites()
        #expect(try replica.refusedCapturedFields().isEmpty)
        #expect(try replica.pendingChanges().contains { $0.column == "notes" } == false)
        let notes = try #require(try replica.record("customers", id: customerID))
        #expect(notes.versions[notes.table.columnIndex("notes")!] == remote)
        #expect(notes["notes"] == .text("ok"))
    }

    @Test("exports since a change counter carry only what changed after it")
    func exportSince() throws {
        let replica = try makeReplica()
        try addCustomer(replica)
        let (all, through) = try replica.changes()
        #expect(all.count == 3)
        let second = "aaaaaaaa-5d4a-4c6b-9e7f-0a1b2c3d4e5f"
        try replica.write("customers", id: second, values: [("owner", .text("ana")), ("full_name", .text("Bo"))])
        let (later, _) = try replica.changes(since: through)
        #expect(Set(later.changes.map(\.rowID)) == [second])
    }

    @Test("a timestamp beyond the drift bound is refused whole; within it, merged, and local edits still win")
    func skewedIncoming() throws {
        let replica = try makeReplica()
        try addCustomer(replica)
        let before = try replica.digest().digest
        func change(_ column: String, millisAhead: UInt64) -> FieldChange {
            FieldChange(
                table: "customers", rowID: customerID, column: column, value: .text("Future"),
                version: Version(
                    timestamp: HybridTimestamp(millis: wall.millis + millisAhead, counter: 0),
                    replica: ReplicaID(rawValue: 7)!))
        }
        let refused = #expect(throws: ChangesFromTheFuture.self) {
            try replica.merge(
                ChangeSet(
                    schemaVersion: 1,
                    changes: [change("phone", millisAhead: 0), change("city", millisAhead: 3_600_000)]))
        }
        #expect(refused?.code == .clockSkew)
        #expect(refused?.skew.aheadMillis == 3_600_000)
        #expect(try replica.digest().digest == before, "nothing was merged")

        let soon = change("city", millisAhead: 120_000)
        _ = try replica.merge(ChangeSet(schemaVersion: 1, changes: [soon]))
        let city = try replica.write("customers", id: customerID, values: [("city", .text("Now"))])
        #expect(city[0].version > soon.version, "a local edit supersedes a value stamped slightly ahead")
        wall.millis += 121_000  // the wall clock catches up with the adopted timestamp
        let phone = try replica.write("customers", id: customerID, values: [("phone", .text("1"))])
        #expect(phone[0].version.timestamp.millis == wall.millis, "the clock follows the wall clock again")
    }

    @Test("INSERT OR REPLACE by another program captures every column, so peers converge")
    func replaceByAnotherProgram() throws {
        let a = try makeReplica("a.db", id: 1)
        let b = try makeReplica("b.db", id: 2, manager: "bob")
        try a.write(
            "customers", id: customerID,
            values: [("owner", .text("ana")), ("full_name", .text("Ana")), ("phone", .text("111"))])
        _ = try b.merge(try a.changes().changeSet)
        let other = try DatabaseQueue(path: a.path)
        try other.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO customers(id, owner, full_name) VALUES (?, 'ana', 'Ana Maria')",
                arguments: [self.customerID])
        }
        try other.close()
        wall.millis += 10
        try a.absorbCapturedWrites()
        #expect(try a.pendingChanges().first { $0.column == "phone" }?.value == .null, "the cleared phone is an edit")
        _ = try b.merge(try a.changes().changeSet)
        #expect(try a.digest() == b.digest())
        #expect(try b.record("customers", id: customerID)?["phone"] == .null)
    }

    @Test("two values for one field under one version are refused")
    func conflictingDuplicates() throws {
        let replica = try makeReplica()
        let version = Version(timestamp: HybridTimestamp(millis: 5, counter: 0), replica: ReplicaID(rawValue: 9)!)
        let changes = ["a", "b"].map {
            FieldChange(table: "customers", rowID: customerID, column: "full_name", value: .text($0), version: version)
        }
        let error = #expect(throws: SchemaViolation.self) {
            try replica.merge(ChangeSet(schemaVersion: 1, changes: changes))
        }
        #expect(error?.code == .malformed)
    }

    @Test("digests: equal after exchange, and row hashes narrow a difference to its row")
    func digests() throws {
        let a = try makeReplica("a.db", id: 1)
        let b = try makeReplica("b.db", id: 2, manager: "bob")
        try addCustomer(a)
        let second = "aaaaaaaa-5d4a-4c6b-9e7f-0a1b2c3d4e5f"
        try a.write("customers", id: second, values: [("owner", .text("ana")), ("full_name", .text("Bo"))])
        _ = try b.merge(try a.changes().changeSet)
        #expect(try a.digest() == b.digest())
        wall.millis += 1
        try b.write("customers", id: second, values: [("city", .text("Porto"))])
        #expect(try a.digest().digest != b.digest().digest)
        let differing = zip(try a.rowHashes("customers"), try b.rowHashes("customers")).filter { $0.hash != $1.hash }
        #expect(differing.map(\.0.id) == [second])
    }
}
