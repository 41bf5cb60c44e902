/// Field changes travelling together, written against one schema version.
///
/// Changes to the same row are kept next to each other where the producer
/// grouped them, so a merge can apply a record in one statement.
public struct ChangeSet: Hashable, Sendable {
    public var schemaVersion: Int
    public var changes: [FieldChange]

    public init(schemaVersion: Int, changes: [FieldChange] = []) {
        self.schemaVersion = schemaVersion
        self.changes = changes
    }

    public var isEmpty: Bool { changes.isEmpty }
    public var count: Int { changes.count }

    /// Ranges of consecutive changes that touch the same row.
    public var rowRuns: [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = 0
        while start < changes.count {
            var end = start + 1
            while end < changes.count, changes[end].rowID == changes[start].rowID,
                changes[end].table == changes[start].table
            {
                end += 1
            }
            runs.append(start..<end)
            start = end
        }
        return runs
    }
}
