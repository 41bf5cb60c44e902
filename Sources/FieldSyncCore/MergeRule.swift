/// The one rule every replica and the service apply, field by field: the
/// higher version wins. An equal version is the same write seen again, so it
/// changes nothing; that is what makes re-delivery idempotent.
public enum MergeRule {
    @inlinable
    public static func incoming(_ incoming: Version, wins current: Version?) -> Bool {
        guard let current else { return true }
        return incoming > current
    }
}
