/// A hybrid logical clock (Kulkarni et al.): timestamps that follow the wall
/// clock when it moves forward, never go backwards when it does not, and move
/// past every remote timestamp this replica has observed.
///
/// The wall clock is injected so tests are exact. The clock refuses to adopt a
/// remote timestamp that is more than `maxDriftMillis` ahead of local time: a
/// device with a clock far in the future must not drag everybody forward.
public struct HybridLogicalClock: Sendable {
    public typealias WallClock = @Sendable () -> UInt64

    /// Default bound on how far ahead of local time a remote timestamp may be: five minutes.
    public static let defaultMaxDriftMillis: UInt64 = 5 * 60 * 1000

    public private(set) var last: HybridTimestamp
    public let maxDriftMillis: UInt64
    private let wallClock: WallClock

    public init(
        last: HybridTimestamp = .zero,
        maxDriftMillis: UInt64 = Self.defaultMaxDriftMillis,
        wallClock: @escaping WallClock
    ) {
        self.last = last
        self.maxDriftMillis = maxDriftMillis
        self.wallClock = wallClock
    }

    public var wallMillis: UInt64 { min(wallClock(), HybridTimestamp.maxMillis) }

    /// A timestamp for a local event, greater than every timestamp issued or observed so far.
    public mutating func next() -> HybridTimestamp {
        let wall = wallMillis
        if wall > last.millis {
            last = HybridTimestamp(millis: wall, counter: 0)
        } else {
            last = Self.successor(millis: last.millis, counter: last.counter)
        }
        return last
    }

    /// Moves this clock past `remote`, so the next local timestamp is greater.
    /// Throws `ClockSkew` (and changes nothing) when `remote` is too far ahead of local time.
    public mutating func observe(_ remote: HybridTimestamp) throws(ClockSkew) {
        let wall = wallMillis
        if remote.millis > wall, remote.millis - wall > maxDriftMillis {
            throw ClockSkew(remote: remote, localMillis: wall, maxDriftMillis: maxDriftMillis)
        }
        adopt(remote, wall: wall)
    }

    /// Moves this clock past `remote` without the drift bound: used only when a
    /// local edit must supersede a value already stored with that version.
    public mutating func forceObserve(_ remote: HybridTimestamp) {
        adopt(remote, wall: wallMillis)
    }

    private mutating func adopt(_ remote: HybridTimestamp, wall: UInt64) {
        let millis = max(wall, last.millis, remote.millis)
        let counter: UInt64
        switch (millis == last.millis, millis == remote.millis) {
        case (true, true): counter = max(last.counter, remote.counter) + 1
        case (true, false): counter = last.counter + 1
        case (false, true): counter = remote.counter + 1
        case (false, false): counter = 0
        }
        last = counter > HybridTimestamp.maxCounter
            ? Self.successor(millis: millis, counter: HybridTimestamp.maxCounter)
            : HybridTimestamp(millis: millis, counter: counter)
    }

    /// The next timestamp after (millis, counter): on counter overflow the clock
    /// borrows the next millisecond rather than wrapping. At the very end of
    /// the range (a forged timestamp in the year 10889) it stays there rather
    /// than trap.
    private static func successor(millis: UInt64, counter: UInt64) -> HybridTimestamp {
        if counter < HybridTimestamp.maxCounter { return HybridTimestamp(millis: millis, counter: counter + 1) }
        if millis < HybridTimestamp.maxMillis { return HybridTimestamp(millis: millis + 1, counter: 0) }
        return HybridTimestamp(millis: HybridTimestamp.maxMillis, counter: HybridTimestamp.maxCounter)
    }
}

/// A remote timestamp too far ahead of local time to adopt.
public struct ClockSkew: FieldSyncError, Equatable {
    public let remote: HybridTimestamp
    public let localMillis: UInt64
    public let maxDriftMillis: UInt64

    public init(remote: HybridTimestamp, localMillis: UInt64, maxDriftMillis: UInt64) {
        self.remote = remote
        self.localMillis = localMillis
        self.maxDriftMillis = maxDriftMillis
    }

    public var code: ErrorCode { .clockSkew }
    public var aheadMillis: UInt64 { remote.millis - localMillis }
    public var message: String {
        "a timestamp is \(aheadMillis / 1000) s ahead of this clock (the bound is \(maxDriftMillis / 1000) s): check the device's date and time"
    }
}
