import PostgresNIO

/// The seq a statement writes: a number, or the transaction's provisional
/// seq, which the counter's seq replaces as the transaction commits
/// (`PostgresLayout.counterAtCommit`). Provisional seqs are negative and
/// unique to their transaction (`svc_markers`, taken as the push locks its
/// records); only the log keeps them, mapped to the counter's in
/// `svc_log_seqs` (`PostgresLayout.logSeqsByMarker`).
enum SeqArgument {
    case value(Int64)
    case provisional(Int64)

    var sql: String { "?" }

    var arguments: [PostgresArgument] {
        switch self {
        case .value(let seq), .provisional(let seq): [.integer(seq)]
        }
    }
}
