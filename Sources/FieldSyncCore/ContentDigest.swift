import Crypto

/// A digest of what a replica holds (values and versions), equal on two
/// replicas exactly when they hold the same data. Defined byte for byte in
/// protocol/digest.md so the service and other clients compute the same.
///
/// Rows are hashed one by one (so a mismatch can be narrowed to rows); the
/// content digest hashes the row hashes in canonical order: tables by name,
/// rows by id (byte order).
public struct ContentDigest {
    private var hasher = SHA256()
    public private(set) var rowCount = 0

    public init() {}

    /// Adds a row's hash. Rows must come in canonical order.
    public mutating func add(rowHash: RowHash) {
        hasher.update(data: rowHash.bytes)
        rowCount += 1
    }

    /// Lower-case hex of the SHA-256.
    public func finalize() -> String {
        hexString(Array(hasher.finalize()))
    }
}

/// The SHA-256 of one row's canonical encoding.
public struct RowHash: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// `fields` are the row's versioned columns in schema order.
    public init(table: String, rowID: String, fields: some Sequence<(column: String, value: Value, version: Version)>) {
        var encoder = CanonicalEncoder()
        encoder.text(table)
        encoder.text(rowID)
        for field in fields {
            encoder.text(field.column)
            encoder.value(field.value)
            encoder.uint64(field.version.timestamp.rawValue)
            encoder.uint64(field.version.replica.rawValue)
        }
        bytes = Array(SHA256.hash(data: encoder.bytes))
    }

    public var description: String { hexString(bytes) }
}

/// The byte encoding the digest hashes: big-endian integers, length-prefixed text.
struct CanonicalEncoder {
    var bytes: [UInt8] = []

    mutating func uint64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func uint32(_ value: Int) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    mutating func text(_ text: String) {
        uint32(text.utf8.count)
        bytes.append(contentsOf: text.utf8)
    }

    mutating func value(_ value: Value) {
        switch value {
        case .null:
            bytes.append(0)
        case .integer(let integer):
            bytes.append(1)
            uint64(UInt64(bitPattern: integer))
        case .real(let real):
            bytes.append(2)
            uint64(real.bitPattern)
        case .text(let text):
            bytes.append(3)
            self.text(text)
        case .blob(let blob):
            bytes.append(4)
            uint32(blob.count)
            bytes.append(contentsOf: blob)
        }
    }
}

func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
