import FieldSyncCore
import FieldSyncReplica
import Foundation

/// How commands print: tables for people, JSON for scripts.
enum Output {
    static func line(_ text: String = "") {
        print(text)
    }

    /// A caution for the person at the terminal, on standard error, so `--json` output stays one document.
    static func warning(_ text: String) {
        FileHandle.standardError.write(Data("fieldsync: \(text)\n".utf8))
    }

    static func json(_ object: Any) {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Errors go to standard error: `fieldsync: MESSAGE [CODE]`, or a JSON object under --json.
    static func report(_ error: any Error, json: Bool) {
        let code: String
        let message: String
        if let error = error as? any FieldSyncError {
            code = error.code.rawValue
            message = error.message
        } else {
            code = ErrorCode.internal.rawValue
            message = String(describing: error)
        }
        let text: String
        if json {
            let data = try! JSONSerialization.data(
                withJSONObject: ["error": ["code": code, "message": message]],
                options: [.sortedKeys, .withoutEscapingSlashes])
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = "fieldsync: \(message) [\(code)]"
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// An optional as JSON: the value, or null.
    static func optional(_ value: Any?) -> Any { value ?? NSNull() }

    /// A JSON-ready value.
    static func jsonValue(_ value: Value) -> Any {
        switch value {
        case .null: NSNull()
        case .integer(let integer): integer
        case .real(let real): real
        case .text(let text): text
        case .blob(let bytes): ["bytes": bytes.count]
        }
    }

    /// A record's fields as a JSON object (id first among equals: keys are sorted).
    static func jsonObject(_ record: Record) -> [String: Any] {
        var object: [String: Any] = ["id": record.id]
        for (index, column) in record.table.columns.enumerated() {
            object[column.name] = jsonValue(record.values[index])
        }
        return object
    }

    /// Aligned columns for people.
    static func table(_ header: [String], _ rows: [[String]]) {
        print(TextTable.render(header, rows), terminator: "")
    }

    /// One field per line, for `show`.
    static func fields(_ record: Record) {
        let width = record.table.columns.map(\.name.count).max() ?? 0
        print("id".padding(toLength: width, withPad: " ", startingAt: 0) + "  " + record.id)
        for (index, column) in record.table.columns.enumerated() where !record.values[index].isNull {
            print(column.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + display(record, column))
        }
    }

    /// A field as a person reads it: money with its currency and decimals.
    static func display(_ record: Record, _ column: ColumnSchema) -> String {
        let value = record[column.name]
        if case .money(let currencyColumn) = column.type, case .integer(let minor) = value,
            case .text(let currency) = record[currencyColumn]
        {
            return Money.format(minor, currency: currency)
        }
        return value.description
    }
}
