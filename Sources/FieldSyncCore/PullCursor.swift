/// Where a pull resumes, in the service's change order.
///
/// The service numbers its write transactions (`seq`); a pull returns the rows
/// changed after the cursor ordered by (seq, table, id). Every row changed by
/// one transaction carries that transaction's seq, so a page may end inside a
/// transaction: then the cursor also names the last row delivered.
///
/// On the wire it is opaque text: `SEQ` (everything through SEQ delivered) or
/// `SEQ.TABLE.ID` (through the row ID of table number TABLE, in schema order,
/// of transaction SEQ).
public struct PullCursor: Hashable, Sendable, CustomStringConvertible {
    public var seq: Int64
    /// When the page ended inside transaction `seq`: the last row delivered.
    public var position: (tableIndex: Int, rowID: String)?

    public static let start = PullCursor(seq: 0)

    public init(seq: Int64, position: (tableIndex: Int, rowID: String)? = nil) {
        self.seq = seq
        self.position = position
    }

    /// Every transaction through this one has been delivered whole.
    public var completeThrough: Int64 { position == nil ? seq : seq - 1 }

    public var description: String {
        guard let position else { return String(seq) }
        return "\(seq).\(position.tableIndex).\(position.rowID)"
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts[0].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let seq = Int64(parts[0])
        else { return nil }
        switch parts.count {
        case 1: self.init(seq: seq)
        case 3:
            guard parts[1].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let table = Int(parts[1]),
                seq > 0, RowID.isValid(String(parts[2]))
            else { return nil }
            self.init(seq: seq, position: (table, String(parts[2])))
        default: return nil
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}
