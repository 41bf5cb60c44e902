/// JSON's number grammar (RFC 8259 §6): `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)?
/// ([eE] [+-]? [0-9]+)?. Swift's number parsers also take `+7`, `007`, `.5`
/// and `5.`, which no other JSON reader does: a client whose JSON library
/// wrote them by mistake learns it here, not from another service later.
enum JSONNumber {
    static func isValid(_ text: some Collection<UInt8>) -> Bool {
        var rest = text[...]
        func digits() -> Int {
            let count = rest.prefix { UInt8(ascii: "0") <= $0 && $0 <= UInt8(ascii: "9") }.count
            rest = rest.dropFirst(count)
            return count
        }
        func skip(_ character: Unicode.Scalar) -> Bool {
            guard rest.first == UInt8(ascii: character) else { return false }
            rest = rest.dropFirst()
            return true
        }
        _ = skip("-")
        let leadingZero = rest.first == UInt8(ascii: "0")
        let whole = digits()
        guard whole > 0, !leadingZero || whole == 1 else { return false }
        if skip("."), digits() == 0 { return false }
        if skip("e") || skip("E") {
            if !skip("+") { _ = skip("-") }
            if digits() == 0 { return false }
        }
        return rest.isEmpty
    }
}
