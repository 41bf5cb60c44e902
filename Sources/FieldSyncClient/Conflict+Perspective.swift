import FieldSyncCore

extension Conflict {
    /// The two sides as this device sees them: "mine" is the side written on
    /// this replica, else the only side written by this replica's manager
    /// (on another of their devices). `nil` when neither or both sides qualify:
    /// then "mine" and "theirs" mean nothing and a person must choose by value.
    public func perspective(replica: ReplicaID, manager: String?) -> (mine: Side, theirs: Side)? {
        guard sides.count == 2 else { return nil }
        let byReplica = sides.indices.filter { sides[$0].replica == replica }
        let byManager = manager.map { manager in sides.indices.filter { sides[$0].manager == manager } } ?? []
        let mine: Int
        if byReplica.count == 1 {
            mine = byReplica[0]
        } else if byReplica.isEmpty, byManager.count == 1 {
            mine = byManager[0]
        } else {
            return nil
        }
        return (sides[mine], sides[1 - mine])
    }

    /// Whether this replica or its manager wrote either side; with no
    /// manager, every conflict concerns the device (it sees all it syncs).
    public func involves(replica: ReplicaID, manager: String?) -> Bool {
        guard let manager else { return true }
        return sides.contains { $0.replica == replica || $0.manager == manager }
    }
}
