import FieldSyncCore
import FieldSyncReplica
import Testing

@Suite("Versions blob")
struct FieldVersionsTests {
    @Test("round-trips; short or malformed blobs read as far as they are well formed")
    func roundTrip() {
        var generator = SeededGenerator(seed: 3)
        let replicas = (0..<3).map { _ in ReplicaID.random(using: &generator) }
        for _ in 0..<200 {
            var versions = FieldVersions(count: 20)
            for index in 0..<20 where generator.next() % 3 != 0 {
                versions[index] = Version(
                    timestamp: HybridTimestamp(rawValue: generator.next() >> 1),
                    replica: replicas[Int(generator.next() % 3)])
            }
            #expect(FieldVersions(bytes: versions.encoded, count: 20) == versions)
            // Columns added to the schema later read as never written.
            let wider = FieldVersions(bytes: versions.encoded, count: 22)
            #expect(Array(wider.versions.prefix(20)) == versions.versions)
            #expect(wider[20] == nil && wider[21] == nil)
        }
        #expect(FieldVersions(bytes: [], count: 3) == FieldVersions(count: 3))
        #expect(FieldVersions(bytes: [5, 1, 2], count: 3) == FieldVersions(count: 3))
    }

    @Test("the documented example (protocol/schema.md) is 25 bytes")
    func documentedExample() throws {
        var versions = FieldVersions(count: 8)
        versions[4] = try #require(Version("018bcfe652600000-0000000000000002"))
        let expected: [UInt8] =
            [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x01, 0x8b, 0xcf, 0xe6, 0x52, 0x60, 0x00, 0x00, 0, 0, 0]
        #expect(versions.encoded == expected)
    }
}
