import FieldSyncCore
import FieldSyncProtocol
import Foundation
import Testing

/// The change-set document is pinned by protocol/vectors/wire/changes.json,
/// not by what Codable happens to produce. Regenerate it only on purpose:
/// FIELDSYNC_RECORD_GOLDEN=1 swift test --filter ChangeSetDocument, then review the diff.
@Suite("Change-set document")
struct ChangeSetDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let golden = root.appendingPathComponent("protocol/vectors/wire/changes.json")

    static let replicaA = ReplicaID(hex: "1f2e3d4c5b6a7980")!
    static let replicaB = ReplicaID(hex: "0a1b2c3d4e5f6071")!
    static let customer = "3f2b8c1e-5d4a-4c6b-9e7f-0a1b2c3d4e5f"
    static let holding = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

    static func version(_ millis: UInt64, _ counter: UInt64, _ replica: ReplicaID) -> Version {
        Version(timestamp: HybridTimestamp(millis: millis, counter: counter), replica: replica)
    }

    /// One of every kind of value, a base version, two rows.
    static let example = ChangeSetDocument(
        changeSet: ChangeSet(
            schemaVersion: 1,
            changes: [
                FieldChange(
                    table: "customers", rowID: customer, column: "phone", value: .text("+351 912 345 678"),
                    version: version(1_763_800_000_000, 0, replicaA), base: version(1_763_700_000_000, 3, replicaB)),
                FieldChange(
                    table: "customers", rowID: customer, column: "dependents", value: .integer(2),
                    version: version(1_763_800_000_000, 0, replicaA)),
                FieldChange(
                    table: "customers", rowID: customer, column: "notes", value: .null,
                    version: version(1_763_800_000_000, 1, replicaA)),
                FieldChange(
                    table: "holdings", rowID: holding, column: "amount", value: .integer(2_500_000),
                    version: version(1_763_800_000_123, 0, replicaB)),
                FieldChange(
                    table: "holdings", rowID: holding, column: "expected_yield_bps", value: .real(3.75),
                    version: version(1_763_800_000_123, 0, replicaB)),
                FieldChange(
                    table: "holdings", rowID: holding, column: "scan", value: .blob([0, 1, 2, 250, 255]),
                    version: version(1_763_800_000_123, 0, replicaB)),
            ]),
        through: 42)

    @Test("encodes byte for byte as the golden file")
    func encodesAsGolden() throws {
        let encoded = try WireJSON.encode(Self.example, pretty: true) + Data("\n".utf8)
        if ProcessInfo.processInfo.environment["FIELDSYNC_RECORD_GOLDEN"] == "1" {
            try encoded.write(to: Self.golden)
        }
        let golden = try Data(contentsOf: Self.golden)
        #expect(String(decoding: encoded, as: UTF8.self) == String(decoding: golden, as: UTF8.self))
    }

    @Test("decodes the golden file to the same changes")
    func decodesGolden() throws {
        let document = try WireJSON.decode(ChangeSetDocument.self, from: Data(contentsOf: Self.golden))
        #expect(document.through == 42)
        // Fields decode in column-name order within a row.
        let byField = Dictionary(uniqueKeysWithValues: document.changeSet.changes.map { ($0.field, $0) })
        for change in Self.example.changeSet.changes {
            #expect(byField[change.field] == change)
        }
        #expect(document.changeSet.count == Self.example.changeSet.count)
    }

    @Test("malformed documents are refused with the path of what is wrong")
    func malformed() {
        let cases: [(String, String)] = [
            ("{", "not valid JSON"),
            (#"{"format":"other","schema_version":1,"rows":[]}"#, "format"),
            (#"{"format":"fieldsync-changes","rows":[]}"#, "schema_version is missing"),
            (#"{"format":"fieldsync-changes","schema_version":"1","rows":[]}"#, "schema_version has the wrong type"),
            (
                #"{"format":"fieldsync-changes","schema_version":1,"rows":[{"table":"customers","id":"x","fields":{"city":{"version":"0000018bcfe56800-0000000000000001"}}}]}"#,
                "value is missing"
            ),
            (
                #"{"format":"fieldsync-changes","schema_version":1,"rows":[{"table":"customers","id":"x","fields":{"city":{"value":"a","version":"yesterday"}}}]}"#,
                "rows[0].fields.city.version is not a version"
            ),
            (
                #"{"format":"fieldsync-changes","schema_version":1,"rows":[{"table":"customers","id":"x","fields":{"city":{"value":[1],"version":"0000018bcfe56800-0000000000000001"}}}]}"#,
                "value"
            ),
        ]
        for (json, expected) in cases {
            let error = #expect(throws: WireError.self) { try WireJSON.decode(ChangeSetDocument.self, from: Data(json.utf8)) }
            #expect(error?.code == .malformed)
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "no error") should mention \(expected)")
        }
    }
}
