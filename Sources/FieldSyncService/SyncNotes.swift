/// When each manager's last sync was last written. The branch report's "last
/// sync" is to the minute, and devices push and pull after every visit: a
/// store writes it at most once a minute per manager, not in every request.
package struct SyncNotes: Sendable {
    static let interval: UInt64 = 60_000
    private var noted: [String: UInt64] = [:]

    package init() {}

    package func isDue(for manager: String, at millis: UInt64) -> Bool {
        millis >= (noted[manager] ?? 0) + Self.interval
    }

    package mutating func note(_ manager: String, at millis: UInt64) { noted[manager] = millis }
}
