import FieldSyncCore

/// A record on the wire: `{"id": ..., "table": ...}` (a pull's `removed_records`).
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
