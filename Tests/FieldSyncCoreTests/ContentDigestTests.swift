import FieldSyncCore
import Testing

@Suite("Content digest")
struct ContentDigestTests {
    let version = Version(timestamp: HybridTimestamp(millis: 1_700_000_000_000, counter: 0), replica: ReplicaID(rawValue: 1)!)

    func digest(_ rows: [(String, [(column: String, value: Value, version: Version)])]) -> String {
        var digest = ContentDigest()
        for (id, fields) in rows { digest.add(rowHash: RowHash(table: "customers", rowID: id, fields: fields)) }
        return digest.finalize()
    }

    @Test("equal content, equal digest; any difference in value, type, version or id changes it")
    func sensitivity() {
        let base = digest([("a", [("phone", .text("1"), version)])])
        #expect(base == digest([("a", [("phone", .text("1"), version)])]))
        let later = Version(timestamp: HybridTimestamp(millis: 1_700_000_000_000, counter: 1), replica: version.replica)
        let variants = [
            digest([("a", [("phone", .text("2"), version)])]),
            digest([("a", [("phone", .integer(1), version)])]),
            digest([("a", [("phone", .text("1"), later)])]),
            digest([("b", [("phone", .text("1"), version)])]),
            digest([("a", [("email", .text("1"), version)])]),
            digest([("a", [("phone", .text("1"), version)]), ("b", [])]),
            // Length prefixes keep ("ab","c") apart from ("a","bc").
            digest([("a", [("phone", .text("1"), version), ("x", .text(""), version)])]),
        ]
        #expect(Set(variants + [base]).count == variants.count + 1)
    }

    @Test("a known row hash (pinned in protocol/digest.md)")
    func pinned() {
        let hash = RowHash(table: "customers", rowID: "a", fields: [("phone", .text("1"), version)])
        #expect(hash.description.count == 64)
        #expect(hash == RowHash(table: "customers", rowID: "a", fields: [("phone", .text("1"), version)]))
    }
}
