/// Two edits of one field made without seeing each other (or an edit that
/// landed on a deleted record), kept by the service for review.
///
/// The merge rule has already picked the winner; a conflict records both sides
/// so a person can check the choice and settle it. It is identified by its
/// field and its two versions, so re-sending either edit, or receiving them in
/// either order, records the same single conflict.
public struct Conflict: Hashable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Both sides wrote `column`.
        case field
        /// One side wrote `column` of a record the other side deleted.
        case editOnDeleted = "edit_on_deleted"
    }

    public enum Status: String, Sendable, CaseIterable {
        case open, settled
    }

    /// One of the two edits.
    public struct Side: Hashable, Sendable {
        /// The column this side wrote: `column`, or `deleted` for the deleting side.
        public var column: String
        public var value: Value
        public var version: Version
        /// The manager who pushed it, when known.
        public var manager: String?

        public init(column: String, value: Value, version: Version, manager: String?) {
            self.column = column
            self.value = value
            self.version = version
            self.manager = manager
        }

        public var replica: ReplicaID { version.replica }
    }

    public var id: Int64
    public var kind: Kind
    public var table: String
    public var rowID: String
    /// The edited field (for `editOnDeleted`, the field edited on the deleted record).
    public var column: String
    /// Ordered by version, older first.
    public var sides: [Side]
    public var detectedAtMillis: UInt64
    public var status: Status
    /// Who settled it and when, and the version of the change settling wrote.
    public var settlement: Settlement?

    public struct Settlement: Hashable, Sendable {
        public var by: String
        public var atMillis: UInt64
        public var version: Version

        public init(by: String, atMillis: UInt64, version: Version) {
            self.by = by
            self.atMillis = atMillis
            self.version = version
        }
    }

    public init(
        id: Int64, kind: Kind, table: String, rowID: String, column: String, sides: [Side], detectedAtMillis: UInt64,
        status: Status = .open, settlement: Settlement? = nil
    ) {
        self.id = id
        self.kind = kind
        self.table = table
        self.rowID = rowID
        self.column = column
        self.sides = sides.sorted { $0.version < $1.version }
        self.detectedAtMillis = detectedAtMillis
        self.status = status
        self.settlement = settlement
    }

    /// The side the merge rule kept: the higher version.
    public var winner: Side { sides[sides.count - 1] }
}

/// How a person settles a conflict.
public enum ConflictResolution: Hashable, Sendable {
    /// Keep the side with this version (its value is written again, as a fresh change).
    case keep(Version)
    /// Write a new value to the conflict's field (for `editOnDeleted`, restoring the record).
    case value(Value)
}
