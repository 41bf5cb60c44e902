import FieldSyncCore
import Foundation

extension WireReader {
    /// A push (`PushRequest`), with the messages its `Decodable` conformance gives.
    mutating func push() throws -> PushRequest {
        var format: String?
        var schemaVersion: Int?
        var replica: ReplicaID?
        var manager: String?
        var cursor: PullCursor?
        var changes: [FieldChange]?
        try object { reader, key in
            switch key {
            case "format": format = try reader.text("format")
            case "schema_version": schemaVersion = try reader.integer("schema_version", as: Int.self)
            case "replica":
                guard let parsed = ReplicaID(hex: try reader.text("replica")) else {
                    throw WireError.malformed("replica is not a replica id (16 lower-case hex digits, not zero)")
                }
                replica = parsed
            case "manager":
                if try reader.null() { break }
                let text = try reader.text("manager")
                guard ManagerID.isValid(text) else { throw WireError.malformed("manager must be \(ManagerID.rule)") }
                manager = text
            case "cursor":
                if try reader.null() { break }
                guard let parsed = PullCursor(try reader.text("cursor")) else {
                    throw WireError.malformed("cursor is not a cursor this service issued")
                }
                cursor = parsed
            case "rows": changes = try reader.rows()
            default: try reader.skipValue()
            }
        }
        try Self.check(format: format, expected: PushRequest.format)
        guard let schemaVersion else { throw WireError.malformed("schema_version is missing") }
        guard let replica else { throw WireError.malformed("replica is missing") }
        guard let changes else { throw WireError.malformed("rows is missing") }
        return PushRequest(
            changeSet: ChangeSet(schemaVersion: schemaVersion, changes: changes), replica: replica, manager: manager,
            cursor: cursor)
    }
}
