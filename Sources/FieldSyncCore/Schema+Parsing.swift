extension TableSchema {
    /// Turns what a person typed (`COLUMN=VALUE` on the command line) into a
    /// validated value. An empty string clears the field.
    public func parse(_ text: String, for columnName: String) throws(SchemaViolation) -> Value {
        let column = try column(columnName)
        let field = "\(name).\(column.name)"
        if text.isEmpty { return try validate(.null, for: columnName) }
        let value: Value
        switch column.type.storage {
        case .integer:
            if column.type == .boolean {
                switch text.lowercased() {
                case "1", "true", "yes": value = .integer(1)
                case "0", "false", "no": value = .integer(0)
                default: throw SchemaViolation(.wrongType, field: field, "\(field) expects true or false")
                }
            } else if let integer = Int64(text) {
                value = .integer(integer)
            } else if case .money = column.type {
                throw SchemaViolation(
                    .badAmount, field: field,
                    "\(field) expects an amount in whole minor units (125000 for 1,250.00)")
            } else {
                throw SchemaViolation(.wrongType, field: field, "\(field) expects a whole number")
            }
        case .real:
            guard let real = Double(text), real.isFinite else {
                throw SchemaViolation(.wrongType, field: field, "\(field) expects a number")
            }
            value = .real(real)
        case .text:
            if case .reference = column.type { value = .text(text.lowercased()) } else { value = .text(text) }
        }
        return try validate(value, for: columnName)
    }
}

/// Money as integer minor units; decimal text only at the edges, for people.
public enum Money {
    /// Minor-unit exponents of ISO 4217 currencies that do not use two decimals.
    static let exponents: [String: Int] = [
        "JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "XOF": 0, "XAF": 0, "HUF": 2,
        "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3,
    ]

    public static func exponent(of currency: String) -> Int { exponents[currency] ?? 2 }

    /// Parses "1250", "1250.5" or "1250.50" into minor units of `currency`, exactly (no floating point).
    public static func minorUnits(_ text: String, currency: String, field: String) throws(SchemaViolation) -> Int64 {
        let exponent = exponent(of: currency)
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let failure = SchemaViolation(
            .badAmount, field: field,
            "\(field) expects an amount such as 1250.00 with at most \(exponent) decimals in \(currency)")
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty else { throw failure }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= exponent, (parts.count == 1 || !fraction.isEmpty),
            fraction.allSatisfy(\.isASCII), fraction.allSatisfy(\.isNumber),
            let units = Int64(whole), let fractional = Int64(fraction.isEmpty ? "0" : String(fraction))
        else { throw failure }
        var scale: Int64 = 1
        for _ in 0..<exponent { scale *= 10 }
        var padding: Int64 = 1
        for _ in 0..<(exponent - fraction.count) { padding *= 10 }
        let (scaled, overflow) = units.multipliedReportingOverflow(by: scale)
        let sign: Int64 = whole.hasPrefix("-") ? -1 : 1
        let (total, overflowAgain) = scaled.addingReportingOverflow(sign * fractional * padding)
        guard !overflow, !overflowAgain else { throw failure }
        return total
    }

    /// "1250.00 EUR" for 125000 minor units of EUR.
    public static func format(_ minor: Int64, currency: String) -> String {
        let exponent = exponent(of: currency)
        guard exponent > 0 else { return "\(minor) \(currency)" }
        var scale: Int64 = 1
        for _ in 0..<exponent { scale *= 10 }
        let magnitude = minor.magnitude
        let fraction = String(magnitude % UInt64(scale))
        let padded = String(repeating: "0", count: exponent - fraction.count) + fraction
        return "\(minor < 0 ? "-" : "")\(magnitude / UInt64(scale)).\(padded) \(currency)"
    }
}
