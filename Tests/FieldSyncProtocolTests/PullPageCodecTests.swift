import FieldSyncCore
import FieldSyncProtocol
import Foundation
import Testing

/// Pull pages are written and read by hand (PullPageWriter, WireReader)
/// for speed; `PullResponse`'s Codable conformance stays the reference they
/// must agree with, and golden examples 02, 07, 12 and 15 pin the document.
@Suite("Pull page codec")
struct PullPageCodecTests {
    static let replica = ReplicaID(hex: "1f2e3d4c5b6a7980")!
    static let customer = "3f2b8c1e-5d4a-4c6b-9e7f-0a1b2c3d4e5f"
    static let other = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

    static func version(_ millis: UInt64) -> Version {
        Version(timestamp: HybridTimestamp(millis: millis, counter: 3), replica: replica)
    }

    /// Every kind of value, strings that need escaping, two rows, a removed customer, two removed records,
    /// the token's manager.
    static let page = PullResponse(
        changeSet: ChangeSet(
            schemaVersion: 1,
            changes: [
                FieldChange(
                    table: "customers", rowID: customer, column: "city", value: .text("Zürich \"Altstadt\" \\ 1/2"),
                    version: version(1_795_000_000_000)),
                FieldChange(
                    table: "customers", rowID: customer, column: "dependents", value: .integer(-3),
                    version: version(1_795_000_000_001)),
                FieldChange(
                    table: "customers", rowID: customer, column: "notes", value: .text("line\nnext\ttab \u{01} 😀"),
                    version: version(1_795_000_000_002)),
                FieldChange(
                    table: "customers", rowID: customer, column: "phone", value: .null,
                    version: version(1_795_000_000_003)),
                FieldChange(
                    table: "holdings", rowID: other, column: "amount", value: .integer(Int64.max),
                    version: version(1_795_000_000_004)),
                FieldChange(
                    table: "holdings", rowID: other, column: "blob", value: .blob([0, 1, 2, 255]),
                    version: version(1_795_000_000_005)),
                FieldChange(
                    table: "holdings", rowID: other, column: "yield", value: .real(0.0125),
                    version: version(1_795_000_000_006), base: version(1_795_000_000_000)),
            ]),
        cursor: PullCursor(seq: 42, position: (1, other)), more: true, removed: [other],
        removedRecords: [RecordRef(table: "interactions", rowID: customer), RecordRef(table: "tasks", rowID: other)],
        manager: "ana.lima", serverTimeMillis: 1_795_000_070_000)

    /// Through JSONSerialization: the same document whatever the spacing and key order.
    static func object(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    static func expectEqual(_ a: PullResponse, _ b: PullResponse) {
        #expect(a.changeSet == b.changeSet)
        #expect(a.cursor == b.cursor)
        #expect(a.more == b.more)
        #expect(a.removed == b.removed)
        #expect(a.removedRecords == b.removedRecords)
        #expect(a.manager == b.manager)
        #expect(a.serverTimeMillis == b.serverTimeMillis)
    }

    @Test("the writer writes the document Codable writes")
    func writer() throws {
        let written = try WireJSON.encode(Self.page)
        let reference = try WireJSON.encode(Self.page, pretty: true)  // Codable
        #expect(try Self.object(written) == Self.object(reference))
        #expect(!String(decoding: written, as: UTF8.self).contains("\\/"))
    }

    @Test("the reader reads what Codable writes, and what it writes itself, back into the same page")
    func reader() throws {
        Self.expectEqual(
            try WireJSON.decode(PullResponse.self, from: WireJSON.encode(Self.page, pretty: true)), Self.page)
        Self.expectEqual(try WireJSON.decode(PullResponse.self, from: WireJSON.encode(Self.page)), Self.page)
    }

    @Test("the reader takes any key order, spacing, escapes and unknown keys, as JSON allows")
    func readerLeniency() throws {
        let text = """
            { "rows" : [ { "table":"customers", "extra": {"a":[1,2,{"b":null}]}, "fields": {
                "notes": {"version":"01a1ee565e000003-1f2e3d4c5b6a7980", "value":"caf\\u00e9 \\/ \\ud83d\\ude00"},
                "city": {"value": 5.0, "version": "01a1ee565e000003-1f2e3d4c5b6a7980", "base": null} },
              "id": "\(Self.customer)" } ],
              "server_time": 7, "more": false, "cursor": "9", "schema_version": 1,
              "format": "fieldsync-pull", "future": true }
            """
        let page = try WireJSON.decode(PullResponse.self, from: Data(text.utf8))
        #expect(page.changeSet.changes.map(\.column) == ["city", "notes"])
        #expect(page.changeSet.changes[0].value == .real(5))
        #expect(page.changeSet.changes[0].base == nil)
        #expect(page.changeSet.changes[1].value == .text("café / 😀"))
        #expect(
            page.removed.isEmpty && page.removedRecords.isEmpty && page.manager == nil
                && page.cursor == PullCursor(seq: 9) && !page.more
                && page.serverTimeMillis == 7)
    }

    @Test(
        "the reader refuses what Codable refuses, naming where",
        arguments: [
            (
                #"{"format":"fieldsync-push","schema_version":1,"cursor":"1","more":false,"server_time":1,"rows":[]}"#,
                "format"
            ),
            (
                #"{"format":"fieldsync-pull","cursor":"1","more":false,"server_time":1,"rows":[]}"#,
                "schema_version is missing"
            ),
            (
                #"{"format":"fieldsync-pull","schema_version":1,"cursor":"x","more":false,"server_time":1,"rows":[]}"#,
                "cursor is not a pull cursor"
            ),
            (
                #"{"format":"fieldsync-pull","schema_version":1,"cursor":"1","more":false,"server_time":1,"rows":[{"table":"t","id":"i","fields":{}}]}"#,
                "rows[0].fields is empty"
            ),
            (
                #"{"format":"fieldsync-pull","schema_version":1,"cursor":"1","more":false,"server_time":1,"rows":[{"table":"t","id":"i","fields":{"c":{"version":"01a1ee565e000003-1f2e3d4c5b6a7980"}}}]}"#,
                "rows[0].fields.c.value is missing"
            ),
            (
                #"{"format":"fieldsync-pull","schema_version":1,"cursor":"1","more":false,"server_time":1,"rows":[{"table":"t","id":"i","fields":{"c":{"value":1,"version":"nope"}}}]}"#,
                "rows[0].fields.c.version is not a version"
            ),
            (
                #"{"format":"fieldsync-pull","schema_version":1,"cursor":"1","more":false,"server_time":1,"removed":["x"],"rows":[]}"#,
                "removed holds"
            ),
            (
                #"{"format":"fieldsync-pull","schema_version":1,"cursor":"1","more":false,"server_time":1,"removed_records":[{"table":"tasks","id":"x"}],"rows":[]}"#,
                "removed_records holds"
            ),
            (
                #"{"format":"fieldsync-pull","schema_version":1,"cursor":"1","more":false,"server_time":1,"removed_records":[{"id":"c0ffee00-0000-4000-8000-000000000001"}],"rows":[]}"#,
                "removed_records needs an id and a table"
            ),
            (
                #"{"format":"fieldsync-pull","schema_version":1,"cursor":"1","more":false,"server_time":1,"manager":"ana lima","rows":[]}"#,
                "manager is not a manager id"
            ),
            (
                #"{"format":"fieldsync-pull","schema_version":1,"cursor":"1","more":false,"server_time":1,"rows":[]} x"#,
                "not valid JSON"
            ),
            (
                #"{"format":"fieldsync-pull","schema_version":1,"cursor":"1","more":false,"server_time":1,"rows":[{"table":"t","id":"i","fields":{"c":{"value":"\#u{01}","version":"01a1ee565e000003-1f2e3d4c5b6a7980"}}}]}"#,
                "not valid JSON"
            ),
        ])
    func readerRefusals(document: String, message: String) throws {
        let error = try #require(throws: WireError.self) {
            try WireJSON.decode(PullResponse.self, from: Data(document.utf8))
        }
        #expect(error.code == .malformed)
        #expect(error.message.contains(message), "\(error.message)")
    }
}
