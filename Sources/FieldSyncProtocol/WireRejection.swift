import FieldSyncCore

/// A refused change on the wire (in a push response, or in a 400 answer to a
/// push that breaks the schema): `{"table", "id", "column", "version", "code",
/// "message", "current"?: {"value", "version"}}`.
struct WireRejection: Codable {
    var table: String
    var id: String
    var column: String
    var version: String
    var code: String
    var message: String
    var current: Current?

    enum CodingKeys: String, CodingKey { case table, id, column, version, code, message, current }

    /// The service's value and version of the field, when the caller may see it.
    struct Current: Codable {
        var value: WireValue
        var version: String

        enum CodingKeys: String, CodingKey { case value, version }
    }

    init(
        table: String, id: String, column: String, version: String, code: String, message: String, current: Current?
    ) {
        (self.table, self.id, self.column, self.version) = (table, id, column, version)
        (self.code, self.message, self.current) = (code, message, current)
    }

    init(_ rejection: ChangeRejection) {
        table = rejection.field.table
        id = rejection.field.rowID
        column = rejection.field.column
        version = rejection.version.description
        code = rejection.code.rawValue
        message = rejection.message
        current = rejection.current.map { Current(value: WireValue($0.value), version: $0.version.description) }
    }

    static func rejections(_ wire: [WireRejection], path: String) throws -> [ChangeRejection] {
        try wire.enumerated().map { index, rejection in
            guard let version = Version(rejection.version) else {
                throw WireError.malformed("\(path)[\(index)].version is not a version")
            }
            var current: (Value, Version)?
            if let held = rejection.current {
                guard let heldVersion = Version(held.version) else {
                    throw WireError.malformed("\(path)[\(index)].current.version is not a version")
                }
                current = (held.value.value, heldVersion)
            }
            return ChangeRejection(
                field: FieldRef(table: rejection.table, rowID: rejection.id, column: rejection.column),
                version: version, code: ErrorCode(rawValue: rejection.code), message: rejection.message,
                current: current)
        }
    }
}
