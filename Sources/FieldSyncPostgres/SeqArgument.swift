import PostgresNIO

/// The seq a statement writes: a number, or the counter the transaction
/// takes in the same round trip (`ServiceState.advance`).
enum SeqArgument {
    case value(Int64)
    case counter

    var sql: String {
        switch self {
        case .value: "?"
        case .counter: "(SELECT seq FROM counter)"
        }
    }

    var arguments: [PostgresArgument] {
        switch self {
        case .value(let seq): [.integer(seq)]
        case .counter: []
        }
    }
}
