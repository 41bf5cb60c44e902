import FieldSyncCore

/// The versions of one record's fields, in schema column order, as stored in
/// the `versions` blob of a clock row. The blob is compact because a merge
/// rewrites it for every record it touches:
///
///     R                      1 byte: how many distinct replica ids follow
///     R × replica id         8 bytes each, big-endian
///     per column, in schema order:
///       k                    1 byte: 0 = never written, else the replica's position (1...R)
///       timestamp            8 bytes, big-endian, only when k != 0
///
/// A blob that ends early (written before columns were added) reads as
/// "never written" for the missing columns.
package struct FieldVersions: Equatable {
    package private(set) var versions: [Version?]

    package init(count: Int) {
        versions = Array(repeating: nil, count: count)
    }

    package init(_ versions: [Version?]) {
        self.versions = versions
    }

    package init(bytes: [UInt8], count: Int) {
        versions = Array(repeating: nil, count: count)
        bytes.withUnsafeBytes { load($0) }
    }

    /// Replaces every version with those in `blob` (reusing this array's storage).
    /// A malformed blob reads as far as it is well formed.
    package mutating func load(_ blob: UnsafeRawBufferPointer) {
        for index in 0..<versions.count { versions[index] = nil }
        guard let replicaCount = blob.first.map(Int.init), blob.count >= 1 + 8 * replicaCount else { return }
        var offset = 1 + 8 * replicaCount
        for index in 0..<versions.count {
            guard offset < blob.count else { return }
            let k = Int(blob[offset])
            offset += 1
            guard k != 0 else { continue }
            guard k <= replicaCount, offset + 8 <= blob.count else { return }
            let timestamp = UInt64(bigEndian: blob.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            let replica = UInt64(bigEndian: blob.loadUnaligned(fromByteOffset: 1 + 8 * (k - 1), as: UInt64.self))
            offset += 8
            if let replica = ReplicaID(rawValue: replica) {
                versions[index] = Version(timestamp: HybridTimestamp(rawValue: timestamp), replica: replica)
            }
        }
    }

    package subscript(index: Int) -> Version? {
        get { versions[index] }
        set { versions[index] = newValue }
    }

    package var count: Int { versions.count }

    /// Writes the blob into `buffer` (reused across records to avoid allocations).
    package func encode(into buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(0)
        var replicaCount = 0
        func position(of replica: UInt64, in buffer: [UInt8]) -> Int? {
            for k in 0..<replicaCount {
                var stored: UInt64 = 0
                for byte in buffer[(1 + 8 * k)..<(9 + 8 * k)] { stored = stored << 8 | UInt64(byte) }
                if stored == replica { return k + 1 }
            }
            return nil
        }
        for case let version? in versions where position(of: version.replica.rawValue, in: buffer) == nil {
            withUnsafeBytes(of: version.replica.rawValue.bigEndian) { buffer.append(contentsOf: $0) }
            replicaCount += 1
        }
        precondition(replicaCount <= 255, "a record's fields come from more than 255 replicas")
        buffer[0] = UInt8(replicaCount)
        for version in versions {
            guard let version else {
                buffer.append(0)
                continue
            }
            buffer.append(UInt8(position(of: version.replica.rawValue, in: buffer)!))
            withUnsafeBytes(of: version.timestamp.rawValue.bigEndian) { buffer.append(contentsOf: $0) }
        }
    }

    package var encoded: [UInt8] {
        var buffer: [UInt8] = []
        encode(into: &buffer)
        return buffer
    }
}
