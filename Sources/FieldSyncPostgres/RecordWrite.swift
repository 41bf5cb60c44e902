import FieldSyncCore
import FieldSyncReplica

/// Fields of one record to write, with every field's version afterwards.
struct RecordWrite {
    let table: TableSchema
    let id: String
    let fields: [(index: Int, value: Value)]
    let versions: FieldVersions

    /// The statements writing `writes` (records, then their clock rows, each
    /// stamped with `seq`): one multi-row `INSERT … ON CONFLICT` per table and
    /// set of fields, not one per record, so a first upload of a whole book
    /// is a few statements, not thousands. No record may appear twice.
    static func statements(_ writes: [RecordWrite], seq: Int64) -> [PostgresStatement] {
        let byFields = grouped(writes) { write in
            "\(write.table.name)\u{0}\(write.fields.map { "\($0.index)" }.joined(separator: ","))"
        }
        return byFields.flatMap(recordRows) + grouped(writes, by: \.table.name).flatMap { clockRows($0, seq: seq) }
    }

    /// `writes` grouped by `key`, groups in order of first appearance.
    private static func grouped(_ writes: [RecordWrite], by key: (RecordWrite) -> String) -> [[RecordWrite]] {
        var groups: [[RecordWrite]] = []
        var position: [String: Int] = [:]
        for write in writes {
            let key = key(write)
            if let index = position[key] {
                groups[index].append(write)
            } else {
                position[key] = groups.count
                groups.append([write])
            }
        }
        return groups
    }

    /// Rows of one table, writing the same fields.
    private static func recordRows(_ group: [RecordWrite]) -> [PostgresStatement] {
        let table = group[0].table
        let names = group[0].fields.map { ReplicaLayout.quote(table.columns[$0.index].name) }
        let update = names.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        let row = "(?\(String(repeating: ", ?", count: names.count)))"
        return chunks(of: group, bindsEach: names.count + 1).map { chunk in
            PostgresStatement(
                """
                INSERT INTO \(ReplicaLayout.quote(table.name))(id\(names.map { ", \($0)" }.joined()))
                VALUES \(Array(repeating: row, count: chunk.count).joined(separator: ", "))
                ON CONFLICT (id) DO UPDATE SET \(update)
                """,
                chunk.flatMap { [.text($0.id)] + $0.fields.map { PostgresArgument($0.value) } })
        }
    }

    /// Clock rows of one table: every field's version, and the seq.
    private static func clockRows(_ group: [RecordWrite], seq: Int64) -> [PostgresStatement] {
        let row = "(?, ?, ?)"
        return chunks(of: group, bindsEach: 3).map { chunk in
            PostgresStatement(
                """
                INSERT INTO \(ReplicaLayout.clockTable(group[0].table))(id, seq, versions)
                VALUES \(Array(repeating: row, count: chunk.count).joined(separator: ", "))
                ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, versions = EXCLUDED.versions
                """,
                chunk.flatMap { [.text($0.id), .integer(seq), .bytes($0.versions.encoded)] })
        }
    }

    /// `group` in pieces small enough that several statements still share one round trip.
    private static func chunks(of group: [RecordWrite], bindsEach: Int) -> [ArraySlice<RecordWrite>] {
        let size = max(1, PostgresStatement.bindsPerStatement / 4 / bindsEach)
        return stride(from: 0, to: group.count, by: size).map { group[$0..<min(group.count, $0 + size)] }
    }
}
