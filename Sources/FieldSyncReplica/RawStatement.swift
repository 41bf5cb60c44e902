import FieldSyncCore
import GRDB
import GRDBSQLite

/// A prepared statement driven through SQLite's C API, for the merge's hot
/// loop where GRDB's argument arrays would cost more than the SQL itself.
/// Lives only inside one transaction closure. Compiled once per connection
/// (GRDB's statement cache keeps it): compiling an insert or update also
/// compiles the table's capture triggers, which cost more than a small merge.
package final class RawStatement {
    private let statement: Statement
    private let handle: OpaquePointer
    private let connection: OpaquePointer
    let sql: String

    package init(_ db: Database, _ sql: String) throws {
        guard let connection = db.sqliteConnection else {
            throw ReplicaError(.storage, "the replica database is closed")
        }
        do {
            statement = try db.cachedStatement(sql: sql)
        } catch {
            throw ReplicaError(.storage, "cannot prepare a replica statement: \(String(cString: sqlite3_errmsg(connection)))")
        }
        handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        self.connection = connection
        self.sql = sql
    }

    package func bind(_ value: Value, at index: Int32) {
        switch value {
        case .null: sqlite3_bind_null(handle, index)
        case .integer(let integer): sqlite3_bind_int64(handle, index, integer)
        case .real(let real): sqlite3_bind_double(handle, index, real)
        case .text(let text): bind(text, at: index)
        case .blob(let bytes): bind(bytes, at: index)
        }
    }

    package func bind(_ integer: Int64, at index: Int32) {
        sqlite3_bind_int64(handle, index, integer)
    }

    package func bind(_ text: String, at index: Int32) {
        var text = text
        text.withUTF8 { utf8 in
            _ = sqlite3_bind_text(handle, index, utf8.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } ?? Self.empty, Int32(utf8.count), Self.transient)
        }
    }

    package func bind(_ bytes: [UInt8], at index: Int32) {
        bytes.withUnsafeBytes { raw in
            _ = sqlite3_bind_blob(handle, index, raw.baseAddress ?? Self.emptyRaw, Int32(raw.count), Self.transient)
        }
    }

    /// Runs a statement that returns no rows.
    package func execute() throws {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw failure(code) }
    }

    /// Steps once; true when a row is available (then read it and call `reset`).
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            sqlite3_reset(handle)
            throw failure(code)
        }
    }

    func reset() { sqlite3_reset(handle) }

    /// The blob in column `index` of the current row, valid until the next step or reset.
    func withBlob<T>(column index: Int32, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        let count = Int(sqlite3_column_bytes(handle, index))
        guard let base = sqlite3_column_blob(handle, index) else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return body(UnsafeRawBufferPointer(start: base, count: count))
    }

    private func failure(_ code: Int32) -> ReplicaError {
        ReplicaError(.storage, "the replica database failed: \(String(cString: sqlite3_errmsg(connection))) (SQLite code \(code))")
    }

    nonisolated(unsafe) private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    nonisolated(unsafe) private static let empty: UnsafePointer<CChar> = {
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        pointer.pointee = 0
        return UnsafePointer(pointer)
    }()
    nonisolated(unsafe) private static let emptyRaw = UnsafeRawPointer(empty)
}
