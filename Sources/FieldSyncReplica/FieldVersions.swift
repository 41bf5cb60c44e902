import FieldSyncCore

/// The versions of one record's fields, in schema column order, as stored in
/// the `versions` blob of a clock row: 16 bytes per column (timestamp, then
/// replica id, both big-endian); all zeros for a field never written. A blob
/// shorter than the schema (written before a column was added) reads as
/// "never written" for the missing columns.
struct FieldVersions: Equatable {
    static let bytesPerField = 16
    private(set) var versions: [Version?]

    init(count: Int) {
        versions = Array(repeating: nil, count: count)
    }

    init(blob: UnsafeRawBufferPointer, count: Int) {
        versions = Array(repeating: nil, count: count)
        load(blob)
    }

    /// Replaces every version with those in `blob` (reusing this array's storage).
    mutating func load(_ blob: UnsafeRawBufferPointer) {
        let fields = min(versions.count, blob.count / Self.bytesPerField)
        for index in 0..<versions.count { versions[index] = nil }
        for index in 0..<fields {
            let offset = index * Self.bytesPerField
            let timestamp = UInt64(bigEndian: blob.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            let replica = UInt64(bigEndian: blob.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
            if let replica = ReplicaID(rawValue: replica) {
                versions[index] = Version(timestamp: HybridTimestamp(rawValue: timestamp), replica: replica)
            }
        }
    }

    init(bytes: [UInt8], count: Int) {
        self = bytes.withUnsafeBytes { FieldVersions(blob: $0, count: count) }
    }

    subscript(index: Int) -> Version? {
        get { versions[index] }
        set { versions[index] = newValue }
    }

    var count: Int { versions.count }

    /// Writes the blob into `buffer` (reused across records to avoid allocations).
    func encode(into buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        for version in versions {
            let timestamp = version?.timestamp.rawValue ?? 0
            let replica = version?.replica.rawValue ?? 0
            withUnsafeBytes(of: timestamp.bigEndian) { buffer.append(contentsOf: $0) }
            withUnsafeBytes(of: replica.bigEndian) { buffer.append(contentsOf: $0) }
        }
    }

    var encoded: [UInt8] {
        var buffer: [UInt8] = []
        encode(into: &buffer)
        return buffer
    }
}
