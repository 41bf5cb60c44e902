import FieldSyncCore
import FieldSyncReplica
import Foundation

/// A wall clock tests move by hand.
public final class ManualWallClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64
    public init(_ millis: UInt64) { value = millis }
    public var millis: UInt64 {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
    public var read: HybridLogicalClock.WallClock { { self.millis } }
    public func advance(_ by: UInt64) { lock.withLock { value += by } }
}

/// A directory removed when the test ends.
public final class TemporaryDirectory {
    public let path: String

    public init() {
        path = NSTemporaryDirectory() + "fieldsync-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func file(_ name: String) -> String { path + "/" + name }
}

extension Replica {
    /// Every record of every table with its versioned fields, for comparing replicas.
    public func snapshot() throws -> [String: [String: [String: String]]] {
        var result: [String: [String: [String: String]]] = [:]
        for table in schema.tables {
            for record in try records(table.name, includeDeleted: true) {
                var fields: [String: String] = [:]
                for field in record.versionedFields {
                    fields[field.column] = "\(field.value.typeName):\(field.value)@\(field.version)"
                }
                result[table.name, default: [:]][record.id] = fields
            }
        }
        return result
    }
}
