import FieldSyncCore
import Foundation

extension WireReader {
    /// The answer to a push (`PushResponse`), which a device reads after every push.
    mutating func pushResult() throws -> PushResponse {
        var format: String?
        var accepted: Int?
        var conflicts: Int?
        var serverTime: UInt64?
        var rejected: [WireRejection]?
        var cursor: PullCursor?
        var removedRecords: [RecordRef] = []
        try object { reader, key in
            switch key {
            case "format": format = try reader.text("format")
            case "accepted": accepted = try reader.integer("accepted", as: Int.self)
            case "conflicts": conflicts = try reader.integer("conflicts", as: Int.self)
            case "server_time": serverTime = try reader.integer("server_time", as: UInt64.self)
            case "cursor": cursor = try reader.null() ? nil : try PushResponse.cursor(reader.text("cursor"))
            case "rejected":
                var list: [WireRejection] = []
                try reader.array { reader in list.append(try reader.rejection(path: "rejected[\(list.count)]")) }
                rejected = list
            case "removed_records":
                removedRecords = []
                if try !reader.null() {
                    try reader.array { reader in removedRecords.append(try reader.recordRef()) }
                }
            default: try reader.skipValue()
            }
        }
        try Self.check(format: format, expected: PushResponse.format)
        guard let accepted else { throw WireError.malformed("accepted is missing") }
        guard let conflicts else { throw WireError.malformed("conflicts is missing") }
        guard let serverTime else { throw WireError.malformed("server_time is missing") }
        guard let rejected else { throw WireError.malformed("rejected is missing") }
        try WireRecordRef.check(removedRecords)
        return PushResponse(
            accepted: accepted, rejected: try WireRejection.rejections(rejected, path: "rejected"),
            conflicts: conflicts, serverTimeMillis: serverTime, cursor: cursor, removedRecords: removedRecords)
    }

    /// One refused change, read as Codable reads `WireRejection`, and checked by the same code.
    private mutating func rejection(path: String) throws -> WireRejection {
        var (table, id, column, version, code, message): (String?, String?, String?, String?, String?, String?)
        var current: WireRejection.Current?
        try object { reader, key in
            switch key {
            case "table": table = try reader.text("\(path).table")
            case "id": id = try reader.text("\(path).id")
            case "column": column = try reader.text("\(path).column")
            case "version": version = try reader.text("\(path).version")
            case "code": code = try reader.text("\(path).code")
            case "message": message = try reader.text("\(path).message")
            case "current": current = try reader.null() ? nil : try reader.current(path: "\(path).current")
            default: try reader.skipValue()
            }
        }
        func missing(_ key: String) -> WireError { WireError.malformed("\(path).\(key) is missing") }
        guard let table else { throw missing("table") }
        guard let id else { throw missing("id") }
        guard let column else { throw missing("column") }
        guard let version else { throw missing("version") }
        guard let code else { throw missing("code") }
        guard let message else { throw missing("message") }
        return WireRejection(
            table: table, id: id, column: column, version: version, code: code, message: message, current: current)
    }

    /// `{"value", "version"}`: what the service holds for a refused field.
    private mutating func current(path: String) throws -> WireRejection.Current {
        var value: Value?
        var version: String?
        try object { reader, key in
            switch key {
            case "value": value = try reader.value { "\(path).value" }
            case "version": version = try reader.text("\(path).version")
            default: try reader.skipValue()
            }
        }
        guard let value else { throw WireError.malformed("\(path).value is missing") }
        guard let version else { throw WireError.malformed("\(path).version is missing") }
        return WireRejection.Current(value: WireValue(value), version: version)
    }
}
