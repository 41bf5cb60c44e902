import FieldSyncCore

/// One row of a change set on the wire: `{"table", "id", "fields": {column: {"value", "version", "base"?}}}`.
/// Shared by change files, pushes and pull pages (protocol/changes.md).
struct WireRow: Codable {
    var table: String
    var id: String
    var fields: [String: Field]

    enum CodingKeys: String, CodingKey { case table, id, fields }

    struct Field: Codable {
        var value: WireValue
        var version: String
        var base: String?

        enum CodingKeys: String, CodingKey { case value, version, base }

        init(value: WireValue, version: String, base: String?) {
            self.value = value
            self.version = version
            self.base = base
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            // A missing "value" is an error, not null: a client must say what it writes.
            guard container.contains(.value) else {
                throw DecodingError.keyNotFound(
                    CodingKeys.value, .init(codingPath: container.codingPath, debugDescription: "missing value"))
            }
            value = try container.decode(WireValue.self, forKey: .value)
            version = try container.decode(String.self, forKey: .version)
            base = try container.decodeIfPresent(String.self, forKey: .base)
        }
    }

    /// The rows' field changes, each row's fields in column-name order so decoding is deterministic.
    static func changes(from rows: [WireRow], path: String = "rows") throws -> [FieldChange] {
        var changes: [FieldChange] = []
        for (rowIndex, row) in rows.enumerated() {
            guard !row.fields.isEmpty else { throw WireError.malformed("\(path)[\(rowIndex)].fields is empty") }
            for (column, field) in row.fields.sorted(by: { $0.key < $1.key }) {
                let fieldPath = "\(path)[\(rowIndex)].fields.\(column)"
                guard let version = Version(field.version) else {
                    throw WireError.malformed("\(fieldPath).version is not a version (TIMESTAMP-REPLICA, 16+16 hex digits)")
                }
                var base: Version?
                if let text = field.base {
                    guard let parsed = Version(text) else {
                        throw WireError.malformed("\(fieldPath).base is not a version (TIMESTAMP-REPLICA, 16+16 hex digits)")
                    }
                    base = parsed
                }
                changes.append(
                    FieldChange(
                        table: row.table, rowID: row.id, column: column, value: field.value.value, version: version,
                        base: base))
            }
        }
        return changes
    }

    /// Groups a set's changes by row. Of two changes to one field, the one a merge would keep is sent.
    static func rows(from changeSet: ChangeSet) -> [WireRow] {
        var rows: [WireRow] = []
        for run in changeSet.rowRuns {
            let first = changeSet.changes[run.lowerBound]
            var fields: [String: Field] = [:]
            for change in changeSet.changes[run] {
                if let existing = fields[change.column], let kept = Version(existing.version), kept > change.version {
                    continue
                }
                fields[change.column] = Field(
                    value: WireValue(change.value), version: change.version.description,
                    base: change.base?.description)
            }
            rows.append(WireRow(table: first.table, id: first.rowID, fields: fields))
        }
        return rows
    }
}
