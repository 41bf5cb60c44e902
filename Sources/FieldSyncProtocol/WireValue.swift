import FieldSyncCore

/// A field value on the wire: JSON null, number, string, or `{"base64": …}`
/// for a blob. JSON cannot tell 5 from 5.0, so numbers without a fraction
/// decode as integers; the schema turns them into reals where a column is real.
struct WireValue: Codable {
    var value: Value

    init(_ value: Value) { self.value = value }

    enum BlobKeys: String, CodingKey { case base64 }

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: BlobKeys.self) {
            let text = try object.decode(String.self, forKey: .base64)
            guard let bytes = Base64.decode(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .base64, in: object, debugDescription: "not valid base64")
            }
            value = .blob(bytes)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            value = .null
        } else if let integer = try? single.decode(Int64.self) {
            value = .integer(integer)
        } else if let real = try? single.decode(Double.self) {
            value = .real(real)
        } else if let text = try? single.decode(String.self) {
            value = .text(text)
        } else {
            throw DecodingError.dataCorruptedError(
                in: single, debugDescription: "a value must be null, a number, a string or {\"base64\": …}")
        }
    }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case .integer(let integer):
            var single = encoder.singleValueContainer()
            try single.encode(integer)
        case .real(let real):
            var single = encoder.singleValueContainer()
            try single.encode(real)
        case .text(let text):
            var single = encoder.singleValueContainer()
            try single.encode(text)
        case .blob(let bytes):
            var object = encoder.container(keyedBy: BlobKeys.self)
            try object.encode(Base64.encode(bytes), forKey: .base64)
        }
    }
}

/// Standard base64 (RFC 4648, with padding), without Foundation.
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var word: UInt32 = 0
            for (offset, byte) in chunk.enumerated() { word |= UInt32(byte) << (16 - 8 * UInt32(offset)) }
            for position in 0..<4 {
                out.append(
                    position <= chunk.count ? alphabet[Int((word >> (18 - 6 * UInt32(position))) & 63)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            var word: UInt32 = 0
            var padding = 0
            for position in 0..<4 {
                let byte = bytes[index + position]
                if byte == UInt8(ascii: "=") {
                    padding += 1
                    continue
                }
                guard padding == 0, let digit = alphabet.firstIndex(of: byte) else { return nil }
                word |= UInt32(digit) << (18 - 6 * UInt32(position))
            }
            guard padding <= 2, padding == 0 || index + 4 == bytes.count else { return nil }
            for position in 0..<(3 - padding) { out.append(UInt8((word >> (16 - 8 * UInt32(position))) & 0xFF)) }
            index += 4
        }
        return out
    }
}
