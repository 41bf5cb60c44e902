import FieldSyncCore
import Foundation

/// JSON text as bytes, in the protocol's one dialect (sorted keys, slashes
/// unescaped): what the hand-written writers of pull pages and pushes build.
struct JSONBytes {
    var bytes: [UInt8] = []

    mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// A change set's rows, `{"fields": {column: {"base"?, "value", "version"}}, "id", "table"}`
    /// separated by commas (without the brackets): the rows of pushes and pull pages alike.
    mutating func rows(_ changeSet: ChangeSet) throws {
        let changes = changeSet.changes
        for (rowIndex, run) in changeSet.rowRuns.enumerated() {
            if rowIndex > 0 { raw(",") }
            raw("{\"fields\":{")
            for (fieldIndex, position) in Self.fieldOrder(changes, run).enumerated() {
                let change = changes[position]
                if fieldIndex > 0 { raw(",") }
                string(change.column)
                if let base = change.base {
                    raw(":{\"base\":")
                    version(base)
                    raw(",\"value\":")
                } else {
                    raw(":{\"value\":")
                }
                try value(change.value)
                raw(",\"version\":")
                version(change.version)
                raw("}")
            }
            raw("},\"id\":")
            string(changes[run.lowerBound].rowID)
            raw(",\"table\":")
            string(changes[run.lowerBound].table)
            raw("}")
        }
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
