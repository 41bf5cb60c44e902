import FieldSyncCore
import Foundation

extension WireReader {
    /// The answer to a push (`PushResponse`), which a device reads after every push.
    mutating func pushResult() throws -> PushResponse {
        var format: String?
        var accepted: Int?
        var conflicts: Int?
        var serverTime: UInt64?
        var rejected: [ChangeRejection]?
        try object { reader, key in
            switch key {
            case "format": format = try reader.text("format")
            case "accepted": accepted = try reader.integer("accepted").flatMap { Int(exactly: $0) }
            case "conflicts": conflicts = try reader.integer("conflicts").flatMap { Int(exactly: $0) }
            case "server_time": serverTime = try reader.integer("server_time").flatMap { UInt64(exactly: $0) }
            case "rejected":
                var list: [ChangeRejection] = []
                try reader.array { reader in list.append(try reader.rejection(path: "rejected[\(list.count)]")) }
                rejected = list
            default: try reader.skipValue()
            }
        }
        try Self.check(format: format, expected: PushResponse.format)
        guard let accepted else { throw WireError.malformed("accepted is missing") }
        guard let conflicts else { throw WireError.malformed("conflicts is missing") }
        guard let serverTime else { throw WireError.malformed("server_time is missing") }
        guard let rejected else { throw WireError.malformed("rejected is missing") }
        return PushResponse(accepted: accepted, rejected: rejected, conflicts: conflicts, serverTimeMillis: serverTime)
    }

    /// One refused change (`WireRejection`), at `path` for messages.
    private mutating func rejection(path: String) throws -> ChangeRejection {
        var (table, id, column, code, message): (String?, String?, String?, String?, String?)
        var version: Version??
        var current: (Value, Version)?
        try object { reader, key in
            switch key {
            case "table": table = try reader.text("\(path).table")
            case "id": id = try reader.text("\(path).id")
            case "column": column = try reader.text("\(path).column")
            case "code": code = try reader.text("\(path).code")
            case "message": message = try reader.text("\(path).message")
            case "version": version = .some(try reader.version())
            case "current": current = try reader.null() ? nil : try reader.current(path: "\(path).current")
            default: try reader.skipValue()
            }
        }
        guard let table else { throw WireError.malformed("\(path).table is missing") }
        guard let id else { throw WireError.malformed("\(path).id is missing") }
        guard let column else { throw WireError.malformed("\(path).column is missing") }
        guard let code else { throw WireError.malformed("\(path).code is missing") }
        guard let message else { throw WireError.malformed("\(path).message is missing") }
        guard let version else { throw WireError.malformed("\(path).version is missing") }
        guard let version else { throw WireError.malformed("\(path).version is not a version") }
        return ChangeRejection(
            field: FieldRef(table: table, rowID: id, column: column), version: version,
            code: ErrorCode(rawValue: code), message: message, current: current)
    }

    /// `{"value", "version"}`: what the service holds for a refused field.
    private mutating func current(path: String) throws -> (Value, Version) {
        var value: Value?
        var version: Version??
        try object { reader, key in
            switch key {
            case "value": value = try reader.value { "\(path).value" }
            case "version": version = .some(try reader.version())
            default: try reader.skipValue()
            }
        }
        guard let value else { throw WireError.malformed("\(path).value is missing") }
        guard let version else { throw WireError.malformed("\(path).version is missing") }
        guard let version else { throw WireError.malformed("\(path).version is not a version") }
        return (value, version)
    }
}
