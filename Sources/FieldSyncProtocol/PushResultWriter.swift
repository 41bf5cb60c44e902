import Foundation

/// Writes the answer to a push that refused nothing (nearly every push) as
/// JSON, the same document `Codable` writes: `JSONEncoder` took a twentieth
/// of the service's time in `fieldsync-bench load`. Answers with rejections
/// are rare, and `Codable` writes them.
enum PushResultWriter {
    static func write(_ result: PushResponse) -> Data {
        precondition(
            result.rejected.isEmpty && result.removedRecords.isEmpty,
            "PushResultWriter writes answers without rejections or removed records")
        var out = JSONBytes()
        out.raw("{\"accepted\":")
        out.raw(String(result.accepted))
        out.raw(",\"conflicts\":")
        out.raw(String(result.conflicts))
        if let cursor = result.cursor {
            out.raw(",\"cursor\":")
            out.string(cursor.description)
        }
        out.raw(",\"format\":")
        out.string(PushResponse.format)
        out.raw(",\"rejected\":[],\"server_time\":")
        out.raw(String(result.serverTimeMillis))
        out.raw("}")
        return Data(out.bytes)
    }
}
