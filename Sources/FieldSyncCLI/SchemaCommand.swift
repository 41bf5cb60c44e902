import ArgumentParser
import FieldSyncCore
import FieldSyncProtocol

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema", abstract: "Print the record schema: tables, columns, types and allowed values.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        if global.json {
            print(String(decoding: try WireJSON.encode(SchemaDocument(.default), pretty: true), as: UTF8.self))
            return
        }
        for table in Schema.default.tables {
            print("\(table.name): \(table.summary)")
            for column in table.columns {
                var type = column.type.name
                if case .enumeration(let values) = column.type { type += " (\(values.joined(separator: ", ")))" }
                print("  \(column.name)\(column.required ? " *" : "")  \(type)  \(column.summary)")
            }
        }
        print("\n* required")
    }
}
