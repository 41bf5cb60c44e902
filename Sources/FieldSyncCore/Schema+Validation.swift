extension TableSchema {
    /// Checks `value` against the column's type and returns it in the column's
    /// storage class (JSON cannot tell 5 from 5.0, so numbers are normalised here).
    public func validate(_ value: Value, for columnName: String) throws(SchemaViolation) -> Value {
        try validate(value, for: column(columnName))
    }

    public func validate(_ value: Value, for column: ColumnSchema) throws(SchemaViolation) -> Value {
        // On the merge's hot path: build messages only on failure.
        func field() -> String { "\(name).\(column.name)" }
        func wrongType(_ expected: String) -> SchemaViolation {
            SchemaViolation(.wrongType, field: field(), "\(field()) expects \(expected), got \(value.typeName)")
        }
        switch (column.type, value) {
        case (_, .null):
            guard !column.required else {
                throw SchemaViolation(.requiredField, field: field(), "\(field()) is required and cannot be empty")
            }
            return .null
        case (.integer, .integer), (.money, .integer):
            return value
        case (.integer, .real(let real)) where real.rounded() == real && abs(real) < 9.0e15,
            (.money, .real(let real)) where real.rounded() == real && abs(real) < 9.0e15:
            return .integer(Int64(real))
        case (.integer, _):
            throw wrongType("a whole number")
        case (.money, _):
            throw SchemaViolation(
                .badAmount, field: field(),
                "\(field()) expects an amount in whole minor units (125000 for 1,250.00), got \(value.typeName)")
        case (.real, .real(let real)) where real.isFinite:
            return value
        case (.real, .integer(let integer)):
            return .real(Double(integer))
        case (.real, _):
            throw wrongType("a finite number")
        case (.boolean, .integer(let flag)) where flag == 0 || flag == 1:
            return value
        case (.boolean, _):
            throw wrongType("0 or 1")
        case (_, .text(let text)):
            if let problem = Self.textProblem(text, type: column.type) {
                throw SchemaViolation(problem.code, field: field(), "\(field()) \(problem.expectation)")
            }
            return value
        case (_, _):
            throw wrongType("text")
        }
    }

    static let maxTextBytes = 16 * 1024

    /// What is wrong with `text` for a column of `type`, if anything.
    static func textProblem(_ text: String, type: ColumnType) -> (code: ErrorCode, expectation: String)? {
        guard text.utf8.count <= maxTextBytes else { return (.wrongType, "is longer than \(maxTextBytes) bytes") }
        // PostgreSQL cannot store it, and SQLite's readers cut the text there: every copy must read the same.
        guard !text.utf8.contains(0) else {
            return (.wrongType, "contains a NUL character (U+0000), which no store keeps")
        }
        switch type {
        case .date:
            if ISODate.isValidDate(text) { return nil }
            // Typed in the right form, a day the calendar lacks (2026-02-30) needs another hint than a wrong form.
            guard ISODate.hasDateForm(text) else { return (.badDate, "expects a date as YYYY-MM-DD") }
            return (.badDate, "is not a day of the calendar: expects YYYY-MM-DD with a month 01 to 12 and a day it has")
        case .dateTime:
            return ISODate.isValidDateTime(text) ? nil : (.badDate, "expects a date and time as YYYY-MM-DDTHH:MM:SSZ")
        case .enumeration(let allowed):
            return allowed.contains(text) ? nil : (.notAllowed, "must be one of: \(allowed.joined(separator: ", "))")
        case .currency:
            let valid = text.utf8.count == 3
                && text.utf8.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
            return valid ? nil : (.notAllowed, "expects an ISO 4217 currency code such as EUR or USD")
        case .reference:
            return RowID.isValid(text) ? nil : (.badID, "expects a record id (a UUID)")
        case .manager:
            return ManagerID.isValid(text) ? nil : (.wrongType, "expects a manager id (\(ManagerID.rule))")
        case .text:
            return nil
        case .integer, .real, .boolean, .money:
            return (.wrongType, "expects \(type.name), got text")
        }
    }
}

/// Row ids are UUIDs generated on the device, in lower-case canonical form,
/// so two offline devices never collide.
public enum RowID {
    public static func isValid(_ text: String) -> Bool {
        guard text.utf8.count == 36 else { return false }
        for (index, byte) in text.utf8.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
                else { return false }
            }
        }
        return true
    }

    /// Accepts upper-case input from people and returns the canonical form.
    public static func normalized(_ text: String) throws(SchemaViolation) -> String {
        let lower = text.lowercased()
        guard isValid(lower) else {
            throw SchemaViolation(.badID, field: nil, "a record id must be a UUID such as 3f2b8c1e-5d4a-4c6b-9e7f-0a1b2c3d4e5f")
        }
        return lower
    }

    public static func random(using generator: inout some RandomNumberGenerator) -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        let hex = bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}

/// Manager ids are short names chosen by an administrator.
public enum ManagerID {
    public static let rule = "1 to 64 letters, digits, '.', '_' or '-'"

    public static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }
}
