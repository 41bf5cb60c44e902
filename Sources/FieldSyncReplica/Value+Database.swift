import FieldSyncCore
import Foundation
import GRDB

extension Value {
    package init(_ databaseValue: DatabaseValue) {
        switch databaseValue.storage {
        case .null: self = .null
        case .int64(let integer): self = .integer(integer)
        case .double(let real): self = .real(real)
        case .string(let text): self = .text(text)
        case .blob(let data): self = .blob([UInt8](data))
        }
    }

    package var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let integer): integer.databaseValue
        case .real(let real): real.databaseValue
        case .text(let text): text.databaseValue
        case .blob(let bytes): Data(bytes).databaseValue
        }
    }
}

extension Version {
    /// Reads a version stored as two integer columns (either NULL means none).
    package init?(timestamp: Int64?, replica: Int64?) {
        guard let timestamp, let replica, let id = ReplicaID(rawValue: UInt64(bitPattern: replica)) else { return nil }
        self.init(timestamp: HybridTimestamp(rawValue: UInt64(bitPattern: timestamp)), replica: id)
    }

    package var storedTimestamp: Int64 { Int64(bitPattern: timestamp.rawValue) }
    package var storedReplica: Int64 { Int64(bitPattern: replica.rawValue) }
}
