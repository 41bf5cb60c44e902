import FieldSyncCore
import Foundation

/// Writes a pull page as JSON byte by byte: the same document `Codable`
/// writes (sorted keys, slashes unescaped), without building a dictionary
/// per row and a container per field. A page of 1,000 rows carries some
/// 15,000 fields, and encoding them was most of a pull's cost on the service.
enum PullPageWriter {
    static func write(_ page: PullResponse) throws -> Data {
        var out = JSONBytes()
        out.bytes.reserveCapacity(64 * page.changeSet.count + 256)
        out.raw("{\"cursor\":")
        out.string(page.cursor.description)
        out.raw(",\"format\":")
        out.string(PullResponse.format)
        if let manager = page.manager {
            out.raw(",\"manager\":")
            out.string(manager)
        }
        out.raw(page.more ? ",\"more\":true" : ",\"more\":false")
        out.raw(",\"removed\":[")
        for (index, id) in page.removed.enumerated() {
            if index > 0 { out.raw(",") }
            out.string(id)
        }
        out.raw("],\"removed_records\":[")
        for (index, ref) in page.removedRecords.enumerated() {
            out.raw(index > 0 ? ",{\"id\":" : "{\"id\":")
            out.string(ref.rowID)
            out.raw(",\"table\":")
            out.string(ref.table)
            out.raw("}")
        }
        out.raw("],\"rows\":[")
        try out.rows(page.changeSet)
        out.raw("],\"schema_version\":")
        out.integer(Int64(page.changeSet.schemaVersion))
        out.raw(",\"server_time\":")
        out.raw(String(page.serverTimeMillis))
        out.raw("}")
        return Data(out.bytes)
    }
}
