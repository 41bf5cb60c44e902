import Foundation
import Testing

/// Files that are not what fieldsync expects: replicas that are not replicas,
/// and change files that are not change files.
@Suite("Rejected files")
struct InvalidFileTests {
    func bytes(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// Every command that opens a replica, against `path`.
    static let openingCommands: [[String]] = [
        ["status"], ["digest"], ["customer", "list"], ["customer", "add", "Ana Silva", "--owner", "ana"],
        ["record", "set", "customers", "0b5c0c8e-2a4e-4a36-9f7e-8f0d4a0b1c2d", "full_name=A", "owner=a"],
        ["agenda", "--date", "2026-01-01"], ["changes", "export", "out.json"],
    ]

    @Test("a text file is not a replica [not_a_replica], and is left untouched")
    func textFile() async throws {
        let sandbox = try Sandbox()
        let path = sandbox.path("notes.txt")
        try Data("Shopping list: milk, eggs\n".utf8).write(to: URL(fileURLWithPath: path))
        for command in Self.openingCommands {
            let result = try await sandbox.run(command + ["--replica", path])
            #expect(result.exitCode == 1, "\(result)")
            #expect(result.stderr.contains("[not_a_replica]"), "\(result)")
            #expect(result.stderr.contains("not an SQLite database") && result.stderr.contains("fieldsync init"))
        }
        #expect(try bytes(path) == Data("Shopping list: milk, eggs\n".utf8))
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("out.json")))
    }

    @Test("an SQLite file without FieldSync tables is not a replica [not_a_replica], and gains none")
    func foreignSQLiteFile() async throws {
        let sandbox = try Sandbox()
        let path = sandbox.path("other-app.db")
        let created = try await sandbox.sqlite("CREATE TABLE contacts(name TEXT); INSERT INTO contacts VALUES ('x');", on: path)
        try #require(created.succeeded, "\(created)")
        for command in Self.openingCommands {
            let result = try await sandbox.run(command + ["--replica", path])
            #expect(result.exitCode == 1, "\(result)")
            #expect(result.stderr.contains("[not_a_replica]"), "\(result)")
            #expect(result.stderr.contains("no FieldSync metadata"), "\(result)")
        }
        let tables = try await sandbox.sqlite("SELECT group_concat(name) FROM sqlite_master", on: path)
        #expect(tables.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "contacts")
    }

    @Test("an empty file is not a replica [not_a_replica]")
    func emptyFile() async throws {
        let sandbox = try Sandbox()
        let path = sandbox.path("empty.db")
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        let result = try await sandbox.fieldsync("status", on: path)
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("[not_a_replica]"), "\(result)")
    }

    @Test("a missing replica [not_a_replica] says to run fieldsync init, and is not created")
    func missingReplica() async throws {
        let sandbox = try Sandbox()
        let path = sandbox.path("nowhere/replica.db")
        for command in Self.openingCommands {
            let result = try await sandbox.run(command + ["--replica", path])
            #expect(result.exitCode == 1, "\(result)")
            #expect(result.stderr.contains("[not_a_replica]"), "\(result)")
            #expect(result.stderr.contains("fieldsync init"), "\(result)")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        let json = try await sandbox.run(["status", "--json", "--replica", path])
        #expect(try json.errorJSON()["error"]?["code"] == "not_a_replica")
    }

    // MARK: - Change files

    /// A replica with one customer, and a valid change file from another replica.
    func replicaAndChangeFile() async throws -> (Sandbox, JSON) {
        let sandbox = try Sandbox()
        let other = sandbox.path("other.db")
        try await sandbox.initReplica()
        _ = try await sandbox.addCustomer("Ana Silva")
        try await sandbox.initReplica(other, manager: "bruno.m")
        _ = try await sandbox.addCustomer("Rui Matos", "city=Faro", on: other)
        let file = sandbox.path("valid.json")
        try await sandbox.succeed("changes", "export", file, on: other)
        return (sandbox, try JSON.parse(String(contentsOfFile: file, encoding: .utf8), what: file))
    }

    @Test(
        "a malformed change file [malformed] says where it went wrong, and nothing is merged",
        arguments: [
            ("not JSON at all", "not valid JSON"),
            ("{\"name\": \"Maria\"}", "is not a FieldSync change file (format is missing)"),
            ("{\"format\": \"fieldsync-changes\", \"schema_version\": 1}", "rows is missing"),
            ("{\"format\": \"something-else\", \"schema_version\": 1, \"rows\": []}", "format"),
            ("{\"format\": \"fieldsync-changes\", \"schema_version\": \"one\", \"rows\": []}", "schema_version"),
            (
                "{\"format\": \"fieldsync-changes\", \"schema_version\": 1, \"rows\": [{\"table\": \"customers\", \"id\": \"0b5c0c8e-2a4e-4a36-9f7e-8f0d4a0b1c2d\", \"fields\": {\"city\": {\"value\": \"Faro\", \"version\": \"yesterday\"}}}]}",
                "rows[0].fields.city.version"
            ),
            (
                "{\"format\": \"fieldsync-changes\", \"schema_version\": 1, \"rows\": [{\"table\": \"customers\", \"id\": \"0b5c0c8e-2a4e-4a36-9f7e-8f0d4a0b1c2d\", \"fields\": {\"city\": {\"version\": \"0000000000000001-0000000000000001\"}}}]}",
                "value is missing"
            ),
        ])
    func malformedChangeFile(_ content: String, _ mention: String) async throws {
        let (sandbox, _) = try await replicaAndChangeFile()
        let file = sandbox.path("bad.json")
        try Data(content.utf8).write(to: URL(fileURLWithPath: file))
        try await sandbox.expectRejected(["changes", "import", file], code: "malformed", mentions: [mention])
    }

    @Test("a change file with one value the schema refuses is refused whole [value_not_allowed]")
    func schemaViolationInChangeFile() async throws {
        let (sandbox, valid) = try await replicaAndChangeFile()
        guard case .object(var document) = valid, case .array(var rows) = document["rows"],
            case .object(var row) = rows.first, case .object(var fields) = row["fields"],
            let version = fields["city"]?["version"]
        else {
            Issue.record("unexpected change file: \(valid)")
            return
        }
        fields["risk_profile"] = .object(["value": "yolo", "version": version])
        row["fields"] = .object(fields)
        rows[0] = .object(row)
        document["rows"] = .array(rows)
        let file = sandbox.path("refused.json")
        try Data(JSON.object(document).encoded.utf8).write(to: URL(fileURLWithPath: file))
        try await sandbox.expectRejected(
            ["changes", "import", file], code: "value_not_allowed", mentions: ["customers.risk_profile"], secret: "yolo")
        #expect(try await sandbox.json("customer", "list").ids.count == 1, "nothing of the file was merged")
    }

    static func changeFile(table: String = "customers", id: String = "0b5c0c8e-2a4e-4a36-9f7e-8f0d4a0b1c2d",
        column: String = "city", value: String = "\"Faro\"") -> String {
        """
        {"format": "fieldsync-changes", "schema_version": 1, "rows": [{"table": "\(table)", "id": "\(id)", \
        "fields": {"\(column)": {"value": \(value), "version": "01a205112dbe0000-1a255bd68965094d"}}}]}
        """
    }

    @Test(
        "a change file naming what the schema does not have is refused with the schema's code",
        arguments: [
            (changeFile(table: "widgets"), "unknown_table", "widgets"),
            (changeFile(column: "colour"), "unknown_column", "colour"),
            (changeFile(id: "not-a-uuid"), "bad_id", "customers"),
            (changeFile(id: "0B5C0C8E-2A4E-4A36-9F7E-8F0D4A0B1C2D"), "bad_id", "lower-case"),
            (changeFile(column: "dependents", value: "\"two\""), "wrong_type", "customers.dependents"),
        ])
    func changeFileOutsideTheSchema(_ content: String, _ code: String, _ mention: String) async throws {
        let (sandbox, _) = try await replicaAndChangeFile()
        let file = sandbox.path("outside.json")
        try Data(content.utf8).write(to: URL(fileURLWithPath: file))
        try await sandbox.expectRejected(["changes", "import", file], code: code, mentions: [mention])
    }

    @Test("a change file that does not exist [io]")
    func missingChangeFile() async throws {
        let (sandbox, _) = try await replicaAndChangeFile()
        try await sandbox.expectRejected(
            ["changes", "import", sandbox.path("nowhere.json")], code: "io", mentions: ["nowhere.json"])
    }

    @Test("a change file for another schema version [schema_version]")
    func otherSchemaVersion() async throws {
        let (sandbox, valid) = try await replicaAndChangeFile()
        guard case .object(var document) = valid else {
            Issue.record("unexpected change file: \(valid)")
            return
        }
        document["schema_version"] = 2
        let file = sandbox.path("future.json")
        try Data(JSON.object(document).encoded.utf8).write(to: URL(fileURLWithPath: file))
        try await sandbox.expectRejected(["changes", "import", file], code: "schema_version", mentions: ["version 2"])
    }
}
