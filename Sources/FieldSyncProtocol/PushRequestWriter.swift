import FieldSyncCore
import Foundation

/// Writes a push as JSON byte by byte: the same document `Codable` writes.
/// A device pushes after every visit, and `JSONEncoder`'s containers per
/// field were a twelfth of its time in `fieldsync-bench load`.
enum PushRequestWriter {
    static func write(_ push: PushRequest) throws -> Data {
        var out = JSONBytes()
        out.bytes.reserveCapacity(64 * push.changeSet.count + 256)
        out.raw("{")
        if let cursor = push.cursor {
            out.raw("\"cursor\":")
            out.string(cursor.description)
            out.raw(",")
        }
        out.raw("\"format\":")
        out.string(PushRequest.format)
        if let manager = push.manager {
            out.raw(",\"manager\":")
            out.string(manager)
        }
        out.raw(",\"replica\":")
        out.string(push.replica.description)
        out.raw(",\"rows\":[")
        try out.rows(push.changeSet)
        out.raw("],\"schema_version\":")
        out.integer(Int64(push.changeSet.schemaVersion))
        out.raw("}")
        return Data(out.bytes)
    }
}
