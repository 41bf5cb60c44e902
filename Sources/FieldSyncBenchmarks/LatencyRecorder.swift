import Synchronization

/// Request durations, recorded from many tasks at once.
final class LatencyRecorder: Sendable {
    private let seconds = Mutex<[Double]>([])

    func record(_ duration: Double) { seconds.withLock { $0.append(duration) } }

    /// Times `body` and records it when it returns (a failed request is an error, not a latency).
    func time<Result>(_ body: () async throws -> Result) async rethrows -> Result {
        let start = MonotonicClock.seconds()
        let result = try await body()
        record(MonotonicClock.seconds() - start)
        return result
    }

    func reset() { seconds.withLock { $0.removeAll() } }

    var summary: LatencySummary { LatencySummary(seconds.withLock { $0 }) }
}

/// p50, p99 and max of a set of durations, in milliseconds.
public struct LatencySummary: Codable, Sendable {
    public var count: Int
    public var p50Millis: Double
    public var p99Millis: Double
    public var maxMillis: Double

    init(_ seconds: [Double]) {
        let sorted = seconds.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            // Nearest rank: the smallest value at or above p of the durations.
            let rank = Int((p * Double(sorted.count)).rounded(.up))
            return sorted[max(0, min(sorted.count - 1, rank - 1))] * 1000
        }
        count = sorted.count
        p50Millis = percentile(0.50)
        p99Millis = percentile(0.99)
        maxMillis = (sorted.last ?? 0) * 1000
    }

    enum CodingKeys: String, CodingKey {
        case count
        case p50Millis = "p50_ms"
        case p99Millis = "p99_ms"
        case maxMillis = "max_ms"
    }
}
