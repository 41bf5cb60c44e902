import FieldSyncCore
import Foundation

/// A field value on the wire: JSON null, number, string, or `{"base64": …}`
/// for a blob. JSON cannot tell 5 from 5.0, so numbers without a fraction
/// decode as integers; the schema turns them into reals where a column is real.
struct WireValue: Codable {
    var value: Value

    init(_ value: Value) { self.value = value }

    enum BlobKeys: String, CodingKey { case base64 }

    init(from decoder: any Decoder) throws {
        // The common kinds first: each failed attempt costs the decoder an error.
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            value = .null
        } else if let text = try? single.decode(String.self) {
            value = .text(text)
        } else if let integer = try? single.decode(Int64.self) {
            value = .integer(integer)
        } else if let real = try? single.decode(Double.self) {
            value = .real(real)
        } else if let object = try? decoder.container(keyedBy: BlobKeys.self) {
            let text = try object.decode(String.self, forKey: .base64)
            guard let bytes = Data(base64Encoded: text).map({ [UInt8]($0) }) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .base64, in: object, debugDescription: "not valid base64")
            }
            value = .blob(bytes)
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
            try object.encode(Data(bytes).base64EncodedString(), forKey: .base64)
        }
    }
}

