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
        out.raw(page.more ? ",\"more\":true" : ",\"more\":false")
        out.raw(",\"removed\":[")
        for (index, id) in page.removed.enumerated() {
            if index > 0 { out.raw(",") }
            out.string(id)
        }
        out.raw("],\"rows\":[")
        let changes = page.changeSet.changes
        for (rowIndex, run) in page.changeSet.rowRuns.enumerated() {
            if rowIndex > 0 { out.raw(",") }
            out.raw("{\"fields\":{")
            for (fieldIndex, position) in fieldOrder(changes, run).enumerated() {
                let change = changes[position]
                if fieldIndex > 0 { out.raw(",") }
                out.string(change.column)
                if let base = change.base {
                    out.raw(":{\"base\":")
                    out.version(base)
                    out.raw(",\"value\":")
                } else {
                    out.raw(":{\"value\":")
                }
                try out.value(change.value)
                out.raw(",\"version\":")
                out.version(change.version)
                out.raw("}")
            }
            out.raw("},\"id\":")
            out.string(changes[run.lowerBound].rowID)
            out.raw(",\"table\":")
            out.string(changes[run.lowerBound].table)
            out.raw("}")
        }
        out.raw("],\"schema_version\":")
        out.integer(Int64(page.changeSet.schemaVersion))
        out.raw(",\"server_time\":")
        out.raw(String(page.serverTimeMillis))
        out.raw("}")
        return Data(out.bytes)
    }

    /// A row's changes by column name; of two changes to one column, the one a merge keeps.
    private static func fieldOrder(_ changes: [FieldChange], _ run: Range<Int>) -> [Int] {
        var order = Array(run)
        order.sort { (changes[$0].column, changes[$1].version) < (changes[$1].column, changes[$0].version) }
        // Sorted by column, the later version first within a column: keep each column's first.
        var kept: [Int] = []
        kept.reserveCapacity(order.count)
        for position in order where kept.last.map({ changes[$0].column != changes[position].column }) ?? true {
            kept.append(position)
        }
        return kept
    }
}

/// JSON text as bytes, in the protocol's one dialect.
struct JSONBytes {
    var bytes: [UInt8] = []

    mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func integer(_ value: Int64) { raw(String(value)) }

    /// A version as a JSON string (hex digits and a dash: nothing to escape).
    mutating func version(_ version: Version) {
        bytes.append(UInt8(ascii: "\""))
        version.appendText(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func value(_ value: Value) throws {
        switch value {
        case .null: raw("null")
        case .integer(let integer): self.integer(integer)
        case .real(let real):
            guard real.isFinite else { throw WireError.malformed("a real value is not a finite number") }
            raw(real.description)
        case .text(let text): string(text)
        case .blob(let blob):
            raw("{\"base64\":")
            string(Data(blob).base64EncodedString())
            raw("}")
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0..<0x20:
                let hex: StaticString = "0123456789abcdef"
                raw("\\u00")
                bytes.append(hex.utf8Start[Int(byte >> 4)])
                bytes.append(hex.utf8Start[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
