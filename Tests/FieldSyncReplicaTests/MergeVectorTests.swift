import FieldSyncCore
import FieldSyncProtocol
import FieldSyncReplica
import FieldSyncTestSupport
import Foundation
import Testing

/// Replays protocol/vectors/merge/*.json (format in protocol/vectors/README.md):
/// the same files another implementation can use to check its merge.
@Suite("Merge test vectors")
struct MergeVectorTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("protocol/vectors/merge")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
    }

    static let malformedDirectory = directory.deletingLastPathComponent().appendingPathComponent("malformed")

    static var malformedFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: malformedDirectory.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
    }

    @Test("there are vectors to replay")
    func present() {
        #expect(Self.files.count >= 8)
        #expect(Self.malformedFiles.count >= 1)
    }

    @Test("each malformed vector's incoming document fails to decode with malformed", arguments: malformedFiles)
    func malformed(_ file: String) throws {
        let data = try Data(contentsOf: Self.malformedDirectory.appendingPathComponent(file))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["error"] as? String == "malformed", "\(file)")
        let incoming = try JSONSerialization.data(withJSONObject: try #require(object["incoming"]))
        let error = #expect(throws: WireError.self, "\(file)") {
            try WireJSON.decode(ChangeSetDocument.self, from: incoming)
        }
        #expect(error?.code == .malformed, "\(file)")
    }

    @Test("each vector gives the expected state and changed fields", arguments: files)
    func replay(_ file: String) throws {
        let data = try Data(contentsOf: Self.directory.appendingPathComponent(file))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        func document(_ key: String) throws -> ChangeSetDocument? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            return try WireJSON.decode(ChangeSetDocument.self, from: JSONSerialization.data(withJSONObject: value))
        }
        let directory = TemporaryDirectory()
        let replica = try Replica.create(at: directory.file("v.db"), managerID: "vectors")
        if let initial = try document("initial") { _ = try replica.merge(initial.changeSet) }
        let incoming = try #require(try document("incoming"))
        var changed: [String] = []
        if let code = object["error"] as? String {
            do {
                _ = try replica.merge(incoming.changeSet)
                Issue.record("\(file): expected the change set to be refused with \(code)")
            } catch let error as any FieldSyncError {
                #expect(error.code.rawValue == code, "\(file)")
            }
        } else {
            changed = try replica.merge(incoming.changeSet).changedFields.map(\.description).sorted()
        }
        #expect(changed == (object["changed"] as? [String] ?? []).sorted(), "\(file)")

        let expected = try #require((object["expected"] as? [String: Any])?["rows"] as? [[String: Any]])
        var expectedState: [String: [String: String]] = [:]
        for row in expected {
            let key = "\(row["table"]!)/\(row["id"]!)"
            let fields = try #require(row["fields"] as? [String: [String: Any]])
            let rowDocument = try WireJSON.decode(
                ChangeSetDocument.self,
                from: JSONSerialization.data(withJSONObject: [
                    "format": "fieldsync-changes", "schema_version": 1,
                    "rows": [["table": row["table"]!, "id": row["id"]!, "fields": fields]],
                ]))
            let table = try replica.schema.table(row["table"] as! String)
            for change in rowDocument.changeSet.changes {
                let value = try table.validate(change.value, for: change.column)
                expectedState[key, default: [:]][change.column] = "\(value.typeName):\(value)@\(change.version)"
            }
        }
        var actualState: [String: [String: String]] = [:]
        for (table, records) in try replica.snapshot() {
            for (id, fields) in records { actualState["\(table)/\(id)"] = fields }
        }
        #expect(actualState == expectedState, "\(file)")
    }
}
