import PostgresNIO

/// The seq a statement writes: a number, or the transaction's provisional
/// seq, which the counter's seq replaces as the transaction commits
/// (`PostgresLayout.counterAtCommit`). Provisional seqs are negative, unique
/// to their transaction, and never committed.
enum SeqArgument {
    case value(Int64)
    case provisional

    var sql: String {
        switch self {
        case .value: "?"
        case .provisional: "(-txid_current())"
        }
    }

    var arguments: [PostgresArgument] {
        switch self {
        case .value(let seq): [.integer(seq)]
        case .provisional: []
        }
    }
}
