import FieldSyncCore
import Testing

/// A wall clock the test moves by hand.
final class ManualWallClock: @unchecked Sendable {
    var millis: UInt64
    init(_ millis: UInt64) { self.millis = millis }
    var read: HybridLogicalClock.WallClock { { self.millis } }
}

@Suite("Hybrid logical clock")
struct HybridLogicalClockTests {
    @Test("follows the wall clock when it moves forward")
    func followsWallClock() {
        let wall = ManualWallClock(1_000)
        var clock = HybridLogicalClock(wallClock: wall.read)
        #expect(clock.next() == HybridTimestamp(millis: 1_000, counter: 0))
        wall.millis = 1_005
        #expect(clock.next() == HybridTimestamp(millis: 1_005, counter: 0))
    }

    @Test("counts within a millisecond and never goes back when the wall clock does")
    func monotonic() {
        let wall = ManualWallClock(2_000)
        var clock = HybridLogicalClock(wallClock: wall.read)
        let first = clock.next()
        let second = clock.next()
        wall.millis = 1_500  // the device's clock was set back
        let third = clock.next()
        #expect(first < second && second < third)
        #expect(third == HybridTimestamp(millis: 2_000, counter: 2))
    }

    @Test("counter overflow borrows the next millisecond instead of wrapping")
    func counterOverflow() {
        let wall = ManualWallClock(5_000)
        var clock = HybridLogicalClock(
            last: HybridTimestamp(millis: 5_000, counter: HybridTimestamp.maxCounter - 1), wallClock: wall.read)
        let last = clock.next()
        #expect(last == HybridTimestamp(millis: 5_000, counter: HybridTimestamp.maxCounter))
        let overflowed = clock.next()
        #expect(overflowed == HybridTimestamp(millis: 5_001, counter: 0))
        #expect(overflowed > last)
    }

    /// Unreachable through FieldSync (merges refuse timestamps past the drift
    /// bound, local writes refuse a version that does not increase), but a
    /// hand-edited replica must not crash the process.
    @Test("at the very end of its range the clock stops there instead of trapping")
    func saturates() {
        let wall = ManualWallClock(1_000)
        var clock = HybridLogicalClock(wallClock: wall.read)
        let end = HybridTimestamp(millis: HybridTimestamp.maxMillis, counter: HybridTimestamp.maxCounter)
        clock.forceObserve(end)
        #expect(clock.last == end)
        #expect(clock.next() == end)
    }

    @Test("observing a remote timestamp moves past it")
    func observe() throws {
        let wall = ManualWallClock(10_000)
        var clock = HybridLogicalClock(wallClock: wall.read)
        try clock.observe(HybridTimestamp(millis: 10_050, counter: 7))
        #expect(clock.next() == HybridTimestamp(millis: 10_050, counter: 9))
        try clock.observe(HybridTimestamp(millis: 9_000, counter: 3))  // older: no effect beyond monotonicity
        #expect(clock.next() == HybridTimestamp(millis: 10_050, counter: 11))
    }

    @Test("refuses a remote timestamp beyond the drift bound and keeps its state")
    func refusesSkew() {
        let wall = ManualWallClock(100_000)
        var clock = HybridLogicalClock(maxDriftMillis: 60_000, wallClock: wall.read)
        _ = clock.next()
        let before = clock.last
        #expect(throws: ClockSkew.self) { try clock.observe(HybridTimestamp(millis: 160_001, counter: 0)) }
        #expect(clock.last == before)
        #expect(throws: Never.self) { try clock.observe(HybridTimestamp(millis: 160_000, counter: 0)) }
    }

    @Test("a clock-skew error names how far ahead and carries the code")
    func skewError() {
        let error = ClockSkew(
            remote: HybridTimestamp(millis: 700_000, counter: 0), localMillis: 100_000, maxDriftMillis: 300_000)
        #expect(error.code == .clockSkew)
        #expect(error.aheadMillis == 600_000)
        #expect(error.message.contains("600 s ahead"))
    }
}

@Suite("Versions and replica ids")
struct VersionTests {
    let low = ReplicaID(rawValue: 1)!
    let high = ReplicaID(rawValue: 2)!

    @Test("timestamp first, then replica id")
    func ordering() {
        let early = Version(timestamp: HybridTimestamp(millis: 1, counter: 5), replica: high)
        let late = Version(timestamp: HybridTimestamp(millis: 2, counter: 0), replica: low)
        let tieLow = Version(timestamp: HybridTimestamp(millis: 2, counter: 0), replica: low)
        let tieHigh = Version(timestamp: HybridTimestamp(millis: 2, counter: 0), replica: high)
        #expect(early < late)
        #expect(tieLow < tieHigh)
        #expect(MergeRule.incoming(tieHigh, wins: tieLow))
        #expect(!MergeRule.incoming(tieLow, wins: tieHigh))
        #expect(!MergeRule.incoming(tieLow, wins: tieLow), "an equal version is a re-delivery")
        #expect(MergeRule.incoming(early, wins: nil))
    }

    @Test("text form round-trips and sorts like the versions")
    func textForm() throws {
        var generator = SeededGenerator(seed: 42)
        var versions: [Version] = []
        for _ in 0..<500 {
            let timestamp = HybridTimestamp(rawValue: generator.next() >> 1)
            versions.append(Version(timestamp: timestamp, replica: ReplicaID.random(using: &generator)))
        }
        for version in versions {
            #expect(version.description.count == 33)
            #expect(Version(version.description) == version)
        }
        #expect(versions.sorted().map(\.description) == versions.map(\.description).sorted())
        #expect(Version("0000018bcfe56800-0000000000000000") == nil, "replica id 0 is not an id")
        #expect(Version("18bcfe56800-1") == nil)
    }

    @Test("replica ids fit in 63 bits and are never zero")
    func replicaIDRange() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<1_000 {
            let id = ReplicaID.random(using: &generator)
            #expect(id.rawValue != 0 && id.rawValue <= ReplicaID.mask)
        }
        #expect(ReplicaID(rawValue: 1 << 63) == nil)
    }
}
