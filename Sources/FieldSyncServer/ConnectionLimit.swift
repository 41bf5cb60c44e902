import HummingbirdCore
import Logging

/// At most `maximum` connections open at once: past that the server stops
/// accepting, and new connections wait in the listen backlog until one
/// closes. Without it, idle clients could take every file
/// descriptor the service has. Warns when the limit is reached, so
/// operators know devices are waiting; once per episode, not per connection:
/// it warns again only after the count fell a tenth below the limit (at
/// least one below).
public struct ConnectionLimit: AvailableConnectionsDelegate {
    let maximum: Int
    let logger: Logger
    private var open = 0
    private var warned = false

    public init(maximum: Int, logger: Logger) {
        self.maximum = maximum
        self.logger = logger
    }

    public mutating func connectionOpened() {
        open += 1
        if open >= maximum, !warned {
            warned = true
            logger.warning(
                "connection limit reached: new connections wait until one closes (serve --max-connections)",
                metadata: ["max_connections": "\(maximum)"])
        }
    }

    public mutating func connectionClosed() {
        open -= 1
        if open <= maximum - max(1, maximum / 10) { warned = false }
    }

    public func isAcceptingNewConnections() -> Bool { open < maximum }
}
