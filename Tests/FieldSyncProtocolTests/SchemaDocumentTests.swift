import FieldSyncCore
import FieldSyncProtocol
import Foundation
import Testing

@Suite("Schema document")
struct SchemaDocumentTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("protocol/schema.json")

    /// protocol/schema.json is generated from `Schema.default`: regenerate with
    /// `fieldsync schema --json > protocol/schema.json` after a schema change.
    @Test("protocol/schema.json is the default schema")
    func pinned() throws {
        let encoded = try WireJSON.encode(SchemaDocument(.default), pretty: true) + Data("\n".utf8)
        let golden = try Data(contentsOf: Self.golden)
        #expect(String(decoding: encoded, as: UTF8.self) == String(decoding: golden, as: UTF8.self))
        let object = try #require(try JSONSerialization.jsonObject(with: golden) as? [String: Any])
        let tables = try #require(object["tables"] as? [[String: Any]])
        #expect(tables.map { $0["name"] as? String } == ["customers", "interactions", "tasks", "holdings"])
    }
}
