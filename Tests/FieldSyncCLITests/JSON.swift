import Foundation
import Testing

/// A parsed JSON document, comparable with literals: `#expect(record["city"] == "Lisbon")`.
enum JSON: Equatable, Sendable, Decodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ text: String, what: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        do {
            return try JSONDecoder().decode(JSON.self, from: Data(text.utf8))
        } catch {
            Issue.record("\(what) is not JSON: \(text)", sourceLocation: sourceLocation)
            throw Invalid(description: "\(what) is not JSON")
        }
    }

    init(from decoder: any Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var items: [JSON] = []
            while !array.isAtEnd { items.append(try array.decode(JSON.self)) }
            self = .array(items)
            return
        }
        if let object = try? decoder.container(keyedBy: Key.self) {
            var fields: [String: JSON] = [:]
            for key in object.allKeys { fields[key.stringValue] = try object.decode(JSON.self, forKey: key) }
            self = .object(fields)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let flag = try? single.decode(Bool.self) {
            self = .bool(flag)
        } else if let integer = try? single.decode(Int64.self) {
            self = .int(integer)
        } else if let real = try? single.decode(Double.self) {
            self = .double(real)
        } else {
            self = .string(try single.decode(String.self))
        }
    }

    struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    subscript(key: String) -> JSON? {
        if case .object(let fields) = self { fields[key] } else { nil }
    }

    subscript(index: Int) -> JSON? {
        if case .array(let items) = self, items.indices.contains(index) { items[index] } else { nil }
    }

    var string: String? { if case .string(let text) = self { text } else { nil } }
    var int: Int64? { if case .int(let integer) = self { integer } else { nil } }
    /// A number, whether written with a fraction or not.
    var number: Double? {
        switch self {
        case .int(let integer): Double(integer)
        case .double(let number): number
        default: nil
        }
    }
    var array: [JSON]? { if case .array(let items) = self { items } else { nil } }
    var object: [String: JSON]? { if case .object(let fields) = self { fields } else { nil } }
    var keys: Set<String> { Set(object?.keys ?? [:].keys) }

    /// In an array of records, the one with this id.
    func element(withID id: String) -> JSON? {
        array?.first { $0["id"] == .string(id) }
    }

    /// In an array of records, their ids in order.
    var ids: [String] { array?.compactMap { $0["id"]?.string } ?? [] }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .int(let integer): "\(integer)"
        case .double(let real): "\(real)"
        case .string(let text): "\"\(text)\""
        case .array(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .object(let fields):
            "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int64) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSON: Encodable {
    func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case .null: try single.encodeNil()
        case .bool(let flag): try single.encode(flag)
        case .int(let integer): try single.encode(integer)
        case .double(let real): try single.encode(real)
        case .string(let text): try single.encode(text)
        case .array(let items): try single.encode(items)
        case .object(let fields): try single.encode(fields)
        }
    }

    /// The document as JSON text.
    var encoded: String {
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self)
    }
}
