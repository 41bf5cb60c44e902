import FieldSyncCore
import Foundation

/// Reads the protocol's large documents (pull pages, pushes) from JSON byte
/// by byte, straight into field changes: the same documents and the same
/// checks as their `Decodable` conformances, which spent most of a device's
/// first sync, and a twentieth of the service's time under load, building
/// containers and probing each value's type. One document per call of `read`.
struct WireReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    /// Objects and arrays open around the current position.
    private var depth = 0
    /// As deep as `JSONDecoder` reads; FieldSync's documents nest six levels.
    static let maxDepth = 512

    /// Reads the whole of `data` as one JSON object with `document`.
    static func read<Document>(_ data: Data, _ document: (inout WireReader) throws -> Document) throws -> Document {
        try data.withUnsafeBytes { raw in
            var reader = WireReader(bytes: raw.bindMemory(to: UInt8.self))
            reader.skipWhitespace()
            guard reader.peek() == UInt8(ascii: "{") || reader.peek() == nil else {
                throw WireError.malformed("the document has the wrong type (expected an object)")
            }
            let result = try document(&reader)
            reader.skipWhitespace()
            guard reader.position == reader.bytes.count else { throw reader.invalid() }
            return result
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// `[{"table", "id", "fields": {column: {"value", "version", "base"?}}}]`, each row's
    /// fields in column order, as `WireRow.changes` gives them.
    mutating func rows() throws -> [FieldChange] {
        skipWhitespace()
        guard let next = peek() else { throw invalid() }
        guard next == UInt8(ascii: "[") else { throw WireError.malformed("rows has the wrong type (expected a list)") }
        var changes: [FieldChange] = []
        var rowIndex = 0
        try array { reader in
            let path = "rows[\(rowIndex)]"
            var table: String?
            var id: String?
            var fields: [(column: String, value: Value, version: Version, base: Version?)] = []
            try reader.object { reader, key in
                switch key {
                case "table": table = try reader.string()
                case "id": id = try reader.string()
                case "fields":
                    try reader.object { reader, column in
                        // The path is spelled out only for an error message.
                        fields.append(try reader.field(column, path: { "\(path).fields.\(column)" }))
                    }
                default: try reader.skipValue()
                }
            }
            guard let table else { throw WireError.malformed("\(path).table is missing") }
            guard let id else { throw WireError.malformed("\(path).id is missing") }
            guard !fields.isEmpty else { throw WireError.malformed("\(path).fields is empty") }
            fields.sort { $0.column < $1.column }
            for (index, field) in fields.enumerated() where index == 0 || fields[index - 1].column != field.column {
                changes.append(
                    FieldChange(
                        table: table, rowID: id, column: field.column, value: field.value, version: field.version,
                        base: field.base))
            }
            rowIndex += 1
        }
        return changes
    }

    private mutating func field(_ column: String, path: () -> String) throws -> (
        column: String, value: Value, version: Version, base: Version?
    ) {
        var value: Value?
        var version: Version?
        var base: Version?
        try object { reader, key in
            switch key {
            case "value": value = try reader.value(path: { "\(path()).value" })
            case "version":
                guard let parsed = try reader.version() else {
                    throw WireError.malformed(
                        "\(path()).version is not a version (TIMESTAMP-REPLICA, 16+16 hex digits)")
                }
                version = parsed
            case "base":
                if try reader.null() { break }
                guard let parsed = try reader.version() else {
                    throw WireError.malformed("\(path()).base is not a version (TIMESTAMP-REPLICA, 16+16 hex digits)")
                }
                base = parsed
            default: try reader.skipValue()
            }
        }
        guard let value else { throw WireError.malformed("\(path()).value is missing") }
        guard let version else { throw WireError.malformed("\(path()).version is missing") }
        return (column, value, version, base)
    }

    /// A version string, read from its bytes when it has no escapes (it never needs any).
    mutating func version() throws -> Version? {
        skipWhitespace()
        let start = position + 1
        if bytes.count - start > Version.textLength, bytes[position] == UInt8(ascii: "\""),
            bytes[start + Version.textLength] == UInt8(ascii: "\"")
        {
            position = start + Version.textLength + 1
            return Version(utf8: UnsafeBufferPointer(rebasing: bytes[start..<(start + Version.textLength)]))
        }
        return Version(try string())
    }

    /// null, a number (without fraction or exponent: an integer), a string, or `{"base64": …}`;
    /// anything else is named with its path (`true`: booleans travel as 0 and 1).
    mutating func value(path: () -> String) throws -> Value {
        skipWhitespace()
        guard position < bytes.count else { throw invalid() }
        switch bytes[position] {
        case UInt8(ascii: "\""): return .text(try string())
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "{"):
            var blob: [UInt8]?
            try object { reader, key in
                guard key == "base64" else { return try reader.skipValue() }
                guard let bytes = Data(base64Encoded: try reader.string()).map({ [UInt8]($0) }) else {
                    throw WireError.malformed("\(path()).base64: not valid base64")
                }
                blob = bytes
            }
            guard let blob else { throw WireError.malformed("\(path()).base64 is missing") }
            return .blob(blob)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let text = try number()
            if let integer = Int64(text) { return .integer(integer) }
            guard let real = Double(text) else { throw invalid() }
            return .real(real)
        case let other:
            let booleans = other == UInt8(ascii: "t") || other == UInt8(ascii: "f") ? "; booleans travel as 0 and 1" : ""
            throw WireError.malformed(
                "\(path()): a value is a string, a number, null or {\"base64\": …}\(booleans) (at byte \(position))")
        }
    }

    // MARK: - JSON

    mutating func object(_ member: (inout WireReader, String) throws -> Void) throws {
        try items(open: UInt8(ascii: "{"), close: UInt8(ascii: "}")) { reader in
            let key = try reader.string()
            try reader.expect(UInt8(ascii: ":"))
            try member(&reader, key)
        }
    }

    mutating func array(_ element: (inout WireReader) throws -> Void) throws {
        try items(open: UInt8(ascii: "["), close: UInt8(ascii: "]"), element)
    }

    /// `open`, items separated by commas, `close`.
    private mutating func items(open: UInt8, close: UInt8, _ item: (inout WireReader) throws -> Void) throws {
        try expect(open)
        // The service reads pushes from anyone: unknown members are skipped
        // recursively, and a body of nested brackets must not overflow the stack.
        guard depth < Self.maxDepth else {
            throw WireError.malformed("the document nests deeper than \(Self.maxDepth) levels")
        }
        depth += 1
        defer { depth -= 1 }
        skipWhitespace()
        if peek() == close {
            position += 1
            return
        }
        while true {
            try item(&self)
            skipWhitespace()
            guard position < bytes.count else { throw invalid() }
            let next = bytes[position]
            position += 1
            if next == close { return }
            guard next == UInt8(ascii: ",") else { throw invalid() }
        }
    }

    mutating func string() throws -> String {
        try expect(UInt8(ascii: "\""))
        let start = position
        // The common case: no escapes, the bytes are the string.
        while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
            guard bytes[position] >= 0x20 else { throw invalid() }
            position += 1
        }
        guard position < bytes.count else { throw invalid() }
        if bytes[position] == UInt8(ascii: "\"") {
            position += 1
            return utf8(start..<(position - 1))
        }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: utf8(start..<position).unicodeScalars)
        while true {
            guard position < bytes.count else { throw invalid() }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""): return String(scalars)
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { throw invalid() }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(Unicode.Scalar(escaped))
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        // A surrogate pair: the low half must follow.
                        guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { throw invalid() }
                        position += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw invalid() }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw invalid() }
                    scalars.append(scalar)
                default: throw invalid()
                }
            default:
                guard byte >= 0x20 else { throw invalid() }
                // Copy a run of plain bytes (UTF-8 sequences stay whole).
                let runStart = position - 1
                while position < bytes.count, bytes[position] != UInt8(ascii: "\""),
                    bytes[position] != UInt8(ascii: "\\"),
                    bytes[position] >= 0x20
                {
                    position += 1
                }
                scalars.append(contentsOf: utf8(runStart..<position).unicodeScalars)
            }
        }
    }

    /// A document's `format` member, which must be `expected`: the messages `WireFormat.check` gives.
    static func check(format: String?, expected: String) throws {
        guard let format else { throw WireError.malformed("format is missing") }
        guard format == expected else {
            throw WireError.malformed("format: expected \"\(expected)\", got \"\(format)\"")
        }
    }

    /// A string member named `name`, or `malformed` naming it.
    mutating func text(_ name: String) throws -> String {
        skipWhitespace()
        guard let next = peek() else { throw invalid() }
        guard next == UInt8(ascii: "\"") else {
            throw WireError.malformed("\(name) has the wrong type (expected a string)")
        }
        return try string()
    }

    /// The bytes as a string. Invalid UTF-8 becomes U+FFFD, as most JSON readers do.
    private func utf8(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - position >= 4 else { throw invalid() }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            position += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw invalid()
            }
            code = code << 4 | UInt32(digit)
        }
        return code
    }

    /// The text of a JSON number.
    private mutating func number() throws -> String {
        skipWhitespace()
        let start = position
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                UInt8(ascii: "e"), UInt8(ascii: "E"):
                position += 1
            default:
                guard JSONNumber.isValid(bytes[start..<position]) else { throw invalid(at: start) }
                return utf8(start..<position)
            }
        }
        guard JSONNumber.isValid(bytes[start..<position]) else { throw invalid(at: start) }
        return utf8(start..<position)
    }

    /// A whole number that `T` holds, as `T`'s `Decodable` reads it.
    mutating func integer<T: FixedWidthInteger>(_ name: String, as type: T.Type) throws -> T {
        skipWhitespace()
        guard peek() != UInt8(ascii: "\"") else {
            throw WireError.malformed("\(name) has the wrong type (expected a number)")
        }
        guard let integer = T(try number()) else {
            throw WireError.malformed("\(name) has the wrong type (expected a whole number that fits \(T.self))")
        }
        return integer
    }

    mutating func boolean(_ name: String) throws -> Bool {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default: throw WireError.malformed("\(name) has the wrong type (expected true or false)")
        }
    }

    /// Reads `null` when it comes next.
    mutating func null() throws -> Bool {
        skipWhitespace()
        guard peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    private mutating func literal(_ word: StaticString) throws {
        skipWhitespace()
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw invalid() }
        for index in 0..<count where bytes[position + index] != word.utf8Start[index] { throw invalid() }
        position += count
    }

    mutating func skipValue() throws {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"): try object { reader, _ in try reader.skipValue() }
        case UInt8(ascii: "["): try array { reader in try reader.skipValue() }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try number()
        }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { throw invalid() }
        position += 1
    }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private func invalid(at byte: Int? = nil) -> WireError {
        WireError.malformed("not valid JSON (at byte \(byte ?? position))")
    }
}
