import FieldSyncCore
import Foundation

extension WireReader {
    /// A pull page (`PullResponse`).
    mutating func pullPage() throws -> PullResponse {
        var format: String?
        var schemaVersion: Int?
        var cursor: PullCursor?
        var more: Bool?
        var removed: [String] = []
        var removedRecords: [RecordRef] = []
        var manager: String?
        var serverTime: UInt64?
        var changes: [FieldChange]?
        try object { reader, key in
            switch key {
            case "format": format = try reader.text("format")
            case "schema_version": schemaVersion = try reader.integer("schema_version", as: Int.self)
            case "cursor":
                guard let parsed = PullCursor(try reader.text("cursor")) else {
                    throw WireError.malformed("cursor is not a pull cursor")
                }
                cursor = parsed
            case "more": more = try reader.boolean("more")
            case "removed":
                removed = []
                if try !reader.null() {
                    try reader.array { reader in removed.append(try reader.string()) }
                }
            case "removed_records":
                removedRecords = []
                if try !reader.null() {
                    try reader.array { reader in removedRecords.append(try reader.recordRef()) }
                }
            case "manager": manager = try reader.text("manager")
            case "server_time": serverTime = try reader.integer("server_time", as: UInt64.self)
            case "rows": changes = try reader.rows()
            default: try reader.skipValue()
            }
        }
        try Self.check(format: format, expected: PullResponse.format)
        guard let schemaVersion else { throw WireError.malformed("schema_version is missing") }
        guard let cursor else { throw WireError.malformed("cursor is missing") }
        guard let more else { throw WireError.malformed("more is missing") }
        guard removed.allSatisfy(RowID.isValid) else {
            throw WireError.malformed("removed holds something that is not a record id")
        }
        try WireRecordRef.check(removedRecords)
        try PullResponse.check(manager: manager)
        guard let serverTime else { throw WireError.malformed("server_time is missing") }
        guard let changes else { throw WireError.malformed("rows is missing") }
        return PullResponse(
            changeSet: ChangeSet(schemaVersion: schemaVersion, changes: changes), cursor: cursor, more: more,
            removed: removed, removedRecords: removedRecords, manager: manager,
            serverTimeMillis: serverTime)
    }
}
