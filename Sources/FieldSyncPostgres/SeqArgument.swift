import PostgresNIO

/// The seq a statement writes: a number, or the transaction's provisional
/// seq, which the counter's seq replaces as the transaction commits
/// (`PostgresLayout.counterAtCommit`). Provisional seqs are negative and
/// unique to their transaction; only the log keeps them, mapped to the
/// counter's in `svc_log_seqs` (`PostgresLayout.logSeqsByMarker`).
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
