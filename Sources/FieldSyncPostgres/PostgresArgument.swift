import FieldSyncCore
import FieldSyncService
import NIOCore
import PostgresNIO

/// One argument of a query, typed as PostgreSQL binds it.
package enum PostgresArgument: Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case boolean(Bool)
    case bytes([UInt8])
    case texts([String])
    case integers([Int32])
    case bigIntegers([Int64])

    /// A record field, typed as its column stores it.
    init(_ value: Value) {
        switch value {
        case .null: self = .null
        case .integer(let integer): self = .integer(integer)
        case .real(let real): self = .real(real)
        case .text(let text): self = .text(text)
        case .blob(let bytes): self = .bytes(bytes)
        }
    }

    init(_ text: String?) { self = text.map(Self.text) ?? .null }
}

/// A query written with `?` marks, as the SQLite store and `Scope` write
/// them; numbered (`$1`, `$2`, …) for PostgreSQL. The SQL holds no string
/// literal with a question mark.
package struct PostgresStatement: Sendable {
    var sql: String
    var arguments: [PostgresArgument]

    package init(_ sql: String, _ arguments: [PostgresArgument] = []) {
        self.sql = sql
        self.arguments = arguments
    }

    var query: PostgresQuery {
        var numbered = ""
        numbered.reserveCapacity(sql.utf8.count + 16)
        var count = 0
        for character in sql {
            if character == "?" {
                count += 1
                numbered += "$\(count)"
            } else {
                numbered.append(character)
            }
        }
        precondition(count == arguments.count, "\(count) marks for \(arguments.count) arguments in: \(sql)")
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: binds.appendNull()
            case .integer(let integer): binds.append(integer)
            case .real(let real): binds.append(real)
            case .text(let text): binds.append(text)
            case .boolean(let boolean): binds.append(boolean)
            case .bytes(let bytes): binds.append(ByteBuffer(bytes: bytes))
            case .texts(let texts): binds.append(texts)
            case .integers(let integers): binds.append(integers)
            case .bigIntegers(let integers): binds.append(integers)
            }
        }
        return PostgresQuery(unsafeSQL: numbered, binds: binds)
    }
}

extension PostgresStatement {
    /// A shared condition (`Scope`'s), its arguments all text.
    init(_ condition: SQLCondition) {
        self.init(condition.sql, condition.arguments.map(PostgresArgument.text))
    }

    /// Appends ` AND condition` with its arguments.
    mutating func and(_ condition: SQLCondition) {
        sql += " AND \(condition.sql)"
        arguments += condition.arguments.map(PostgresArgument.text)
    }
}
