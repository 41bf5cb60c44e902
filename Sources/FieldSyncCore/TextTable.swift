/// Aligned columns for people, as both command lines print lists.
public enum TextTable {
    /// The header and rows, each line ending in a newline; nothing when there are no rows.
    public static func render(_ header: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "" }
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func format(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[index] - cell.count))
            }.joined(separator: "  ")
        }
        return ([header] + rows).map { format($0) + "\n" }.joined()
    }
}
