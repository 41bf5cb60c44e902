import FieldSyncCore
import GRDB

/// The SQL that lays a schema out in a replica file.
///
/// Records live in ordinary tables named after the schema's tables, readable
/// by any SQLite tool, with CHECK constraints so a plain-SQL write cannot store
/// a value the schema refuses. Sync metadata lives in `fs_`-prefixed tables:
///
/// - `fs_meta`: the replica's identity, clock and counters;
/// - `fs_clock_<table>`: one row per record with every field's version packed
///   in a blob (see `FieldVersions`), so a merge touches one clock row per record;
/// - `fs_pending`: the latest local edit of each field not yet acknowledged;
/// - `fs_rejected`: pushed changes the service refused, with its reason and
///   what it holds, kept until the manager fixes or discards them;
/// - `fs_captured`: fields written by other programs with plain SQL, queued by
///   triggers until FieldSync stamps them. FieldSync's own connection runs
///   with triggers disabled (`SQLITE_DBCONFIG_ENABLE_TRIGGER`), so they fire
///   for other programs only and cost FieldSync's writes nothing.
package enum ReplicaLayout {
    package static func clockTable(_ table: TableSchema) -> String { "fs_clock_\(table.name)" }

    static func statements(for schema: Schema) -> [String] {
        var sql = [
            "CREATE TABLE fs_meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID",
            """
            CREATE TABLE fs_pending(
              tbl TEXT NOT NULL, row_id TEXT NOT NULL, col TEXT NOT NULL, value,
              hlc INTEGER NOT NULL, replica INTEGER NOT NULL, base_hlc INTEGER, base_replica INTEGER,
              PRIMARY KEY(tbl, row_id, col)) WITHOUT ROWID
            """,
            rejectedTable,
            """
            CREATE TABLE fs_captured(tbl TEXT NOT NULL, row_id TEXT NOT NULL, col TEXT NOT NULL,
              PRIMARY KEY(tbl, row_id, col)) WITHOUT ROWID
            """,
        ]
        for table in schema.tables {
            sql.append(createRecordTable(table))
            sql.append(
                "CREATE TABLE \(clockTable(table))(id TEXT PRIMARY KEY NOT NULL, seq INTEGER NOT NULL, versions BLOB NOT NULL) WITHOUT ROWID"
            )
            if let parent = table.parentColumn {
                sql.append(
                    "CREATE INDEX \(quote("\(table.name)_by_\(parent)")) ON \(quote(table.name))(\(quote(parent)))")
            }
            sql.append(contentsOf: captureTriggers(table))
        }
        return sql
    }

    static let rejectedTable = """
        CREATE TABLE fs_rejected(
          id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, row_id TEXT NOT NULL, col TEXT NOT NULL, value,
          hlc INTEGER NOT NULL, replica INTEGER NOT NULL, base_hlc INTEGER, base_replica INTEGER,
          code TEXT NOT NULL, message TEXT NOT NULL, rejected_at INTEGER NOT NULL,
          current_value, current_hlc INTEGER, current_replica INTEGER,
          UNIQUE(tbl, row_id, col))
        """

    /// Format 1 (before sync) had no `fs_rejected`.
    static func upgradeFromFormat1(_ db: Database) throws {
        try db.execute(sql: rejectedTable)
        try db.execute(sql: "UPDATE fs_meta SET value = '2' WHERE key = 'format_version'")
    }

    static func createRecordTable(_ table: TableSchema) -> String {
        let uuidPattern =
            "[0-9a-f]".repeated(8) + "-" + "[0-9a-f]".repeated(4) + "-" + "[0-9a-f]".repeated(4) + "-"
            + "[0-9a-f]".repeated(4) + "-" + "[0-9a-f]".repeated(12)
        var lines = ["id TEXT PRIMARY KEY NOT NULL CHECK (id GLOB '\(uuidPattern)')"]
        for column in table.columns {
            let name = quote(column.name)
            if column.name == TableSchema.deletedColumn {
                lines.append("\(name) INTEGER NOT NULL DEFAULT 0 CHECK (\(name) IN (0, 1))")
            } else {
                // Required fields are enforced for other programs' writes;
                // merges skip CHECKs, since a record may arrive field by field.
                let null = column.required ? "\(name) IS NOT NULL AND " : "\(name) IS NULL OR "
                lines.append("\(name) \(column.type.storage.rawValue) CHECK (\(null)(\(check(column, name))))")
            }
        }
        return "CREATE TABLE \(quote(table.name))(\n  " + lines.joined(separator: ",\n  ") + "\n)"
    }

    /// What a non-null value must satisfy; mirrors `TableSchema.validate`, which is stricter.
    static func check(_ column: ColumnSchema, _ name: String) -> String {
        switch column.type {
        case .integer, .money: "typeof(\(name)) = 'integer'"
        case .boolean: "\(name) IN (0, 1)"
        case .real: "typeof(\(name)) IN ('real', 'integer')"
        case .text, .manager: "typeof(\(name)) = 'text'"
        case .reference: "typeof(\(name)) = 'text' AND length(\(name)) = 36"
        // SQLite's date() passes 2020-02-30 through unchanged; a '+0 days'
        // modifier normalises it to 2020-03-01, which then differs.
        case .date: "typeof(\(name)) = 'text' AND date(\(name), '+0 days') IS \(name)"
        case .dateTime:
            "typeof(\(name)) = 'text' AND date(substr(\(name), 1, 10), '+0 days') IS substr(\(name), 1, 10) AND \(name) GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]*' AND substr(\(name), 12, 2) < '24'"
        case .currency: "typeof(\(name)) = 'text' AND \(name) GLOB '[A-Z][A-Z][A-Z]'"
        case .enumeration(let allowed):
            // Not `IN (...)`: SQLite builds a temporary index for an IN list on
            // every execution, which made a merge three times slower.
            allowed.map { "\(name) = '\($0)'" }.joined(separator: " OR ")
        }
    }

    /// Triggers that queue plain-SQL writes by other programs as captured
    /// fields, and turn a plain `DELETE` into `deleted = 1` (a delete must sync
    /// like any other edit, so the row has to stay).
    static func captureTriggers(_ table: TableSchema) -> [String] {
        let name = quote(table.name)
        // `INSERT OR REPLACE` over an existing record deletes it without the
        // delete trigger: then every column is new, NULLs included.
        let replaced = "EXISTS (SELECT 1 FROM \(clockTable(table)) WHERE id = NEW.id)"
        func capture(_ condition: (String) -> String?) -> String {
            table.columns.map { column in
                let select = "SELECT '\(table.name)', NEW.id, '\(column.name)'"
                return condition(quote(column.name)).map { "\(select) WHERE \($0)" } ?? select
            }.joined(separator: "\n    UNION ALL ")
        }
        return [
            """
            CREATE TRIGGER \(quote("fs_capture_insert_\(table.name)")) AFTER INSERT ON \(name)
            BEGIN
              INSERT OR IGNORE INTO fs_captured(tbl, row_id, col)
                \(capture { $0 == "\"deleted\"" ? nil : "NEW.\($0) IS NOT NULL OR \(replaced)" });
            END
            """,
            """
            CREATE TRIGGER \(quote("fs_capture_update_\(table.name)")) AFTER UPDATE ON \(name)
            BEGIN
              INSERT OR IGNORE INTO fs_captured(tbl, row_id, col)
                \(capture { "OLD.\($0) IS NOT NEW.\($0)" });
            END
            """,
            """
            CREATE TRIGGER \(quote("fs_capture_delete_\(table.name)")) BEFORE DELETE ON \(name)
            BEGIN
              UPDATE \(name) SET deleted = 1 WHERE id = OLD.id;
              SELECT RAISE(IGNORE);
            END
            """,
            """
            CREATE TRIGGER \(quote("fs_guard_id_\(table.name)")) BEFORE UPDATE OF id ON \(name)
            WHEN OLD.id IS NOT NEW.id
            BEGIN
              SELECT RAISE(ABORT, 'FieldSync: a record id cannot change; create a new record instead');
            END
            """,
        ]
    }

    /// `identifier` as an SQL identifier: in double quotes, each inner one doubled.
    /// Statements are written on every read and write, so this is hot: no
    /// walk through the characters (it was 2 % of the service's time under
    /// load) unless there is a quote to double.
    package static func quote(_ identifier: String) -> String {
        guard identifier.utf8.contains(UInt8(ascii: "\"")) else { return "\"" + identifier + "\"" }
        var quoted: [UInt8] = [UInt8(ascii: "\"")]
        for byte in identifier.utf8 {
            quoted.append(byte)
            if byte == UInt8(ascii: "\"") { quoted.append(byte) }
        }
        quoted.append(UInt8(ascii: "\""))
        return String(decoding: quoted, as: UTF8.self)
    }
}

extension String {
    fileprivate func repeated(_ count: Int) -> String { String(repeating: self, count: count) }
}
