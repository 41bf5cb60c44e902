import FieldSyncCore
import FieldSyncService

/// Values in the audit trail and conflicts, whose columns hold any type: one
/// text column, tagged with the type (`i:`, `r:`, `t:`, `b:` hex), SQL NULL
/// for null. Equal values have equal text, so SQL can compare them.
enum PostgresValueText {
    static func encode(_ value: Value) -> String? {
        switch value {
        case .null: nil
        case .integer(let integer): "i:\(integer)"
        case .real(let real): "r:\(real)"
        case .text(let text): "t:\(text)"
        case .blob(let bytes): "b:" + bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        }
    }

    static func decode(_ text: String?) throws -> Value {
        guard let text else { return .null }
        let body = text.dropFirst(2)
        switch text.prefix(2) {
        case "i:": if let integer = Int64(body) { return .integer(integer) }
        case "r:": if let real = Double(body) { return .real(real) }
        case "t:": return .text(String(body))
        case "b:":
            var bytes: [UInt8] = []
            var index = body.startIndex
            while index < body.endIndex, let next = body.index(index, offsetBy: 2, limitedBy: body.endIndex),
                let byte = UInt8(body[index..<next], radix: 16)
            {
                bytes.append(byte)
                index = next
            }
            if index == body.endIndex { return .blob(bytes) }
        default: break
        }
        throw ServiceError(.storage, "a value in the audit trail or the conflicts has an unknown form; the store was written by something else than FieldSync")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
