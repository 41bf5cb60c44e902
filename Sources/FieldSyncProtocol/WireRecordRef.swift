import FieldSyncCore

/// A record on the wire: `{"id": ..., "table": ...}` (`removed_records` of a pull page or a push's answer).
struct WireRecordRef: Codable {
    var id: String
    var table: String

    init(_ ref: RecordRef) {
        id = ref.rowID
        table = ref.table
    }

    var ref: RecordRef { RecordRef(table: table, rowID: id) }

    /// Refuses a record whose id is not a record id, or with no table name.
    static func check(_ refs: [RecordRef]) throws {
        guard refs.allSatisfy({ RowID.isValid($0.rowID) && !$0.table.isEmpty }) else {
            throw WireError.malformed("removed_records holds something that is not a table and a record id")
        }
    }
}

extension WireReader {
    /// `{"id": ..., "table": ...}`.
    mutating func recordRef() throws -> RecordRef {
        var id: String?
        var table: String?
        try object { reader, key in
            switch key {
            case "id": id = try reader.text("removed_records.id")
            case "table": table = try reader.text("removed_records.table")
            default: try reader.skipValue()
            }
        }
        guard let id, let table else { throw WireError.malformed("removed_records needs an id and a table") }
        return RecordRef(table: table, rowID: id)
    }
}
