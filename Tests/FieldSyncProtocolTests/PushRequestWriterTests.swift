import FieldSyncCore
import FieldSyncProtocol
import Foundation
import Testing

/// Pushes are written by hand (PushRequestWriter) for speed; `PushRequest`'s
/// Codable conformance stays the reference, byte for byte.
@Suite("Push request writer")
struct PushRequestWriterTests {
    /// What `WireJSON.encode` wrote before pushes were written by hand.
    static func codable(_ push: PushRequest) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(push)
    }

    static let page = PullPageCodecTests.page
    static let replica = PullPageCodecTests.replica

    @Test(
        "the writer writes the bytes Codable writes, with and without the optional keys",
        arguments: [
            (String?.some("ana"), PullCursor?.some(PullCursor(seq: 42, position: (1, PullPageCodecTests.other)))),
            (nil, nil), ("ana", nil), (nil, PullCursor(seq: 7)),
        ])
    func writer(manager: String?, cursor: PullCursor?) throws {
        let push = PushRequest(changeSet: Self.page.changeSet, replica: Self.replica, manager: manager, cursor: cursor)
        let written = try WireJSON.encode(push)
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: try Self.codable(push), as: UTF8.self))
        let read = try WireJSON.decode(PushRequest.self, from: written)
        #expect(read.changeSet == push.changeSet && read.replica == push.replica)
        #expect(read.manager == manager && read.cursor == cursor)
    }

    @Test("two changes to one field: the one a merge keeps, as Codable writes it")
    func duplicateField() throws {
        let change = Self.page.changeSet.changes[0]
        var later = change
        later.value = .text("later")
        later.version = Version(timestamp: HybridTimestamp(rawValue: change.version.timestamp.rawValue + 1), replica: Self.replica)
        let push = PushRequest(
            changeSet: ChangeSet(schemaVersion: 1, changes: [later, change]), replica: Self.replica, manager: nil, cursor: nil)
        #expect(try WireJSON.encode(push) == Self.codable(push))
    }

    @Test("a value that is not a finite number is refused, not written")
    func notFinite() throws {
        let change = FieldChange(
            table: "holdings", rowID: PullPageCodecTests.other, column: "yield", value: .real(.nan),
            version: PullPageCodecTests.version(1_795_000_000_000))
        let push = PushRequest(
            changeSet: ChangeSet(schemaVersion: 1, changes: [change]), replica: Self.replica, manager: nil, cursor: nil)
        #expect(throws: WireError.self) { try WireJSON.encode(push) }
    }
}
