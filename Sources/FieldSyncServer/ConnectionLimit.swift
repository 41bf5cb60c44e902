import HummingbirdCore
import Logging

/// At most `maximum` connections open at once: past that the server stops
/// accepting, and new connections wait in the listen backlog until one
/// closes. Without it, idle or slow clients could take every file
/// descriptor the service has. Warns once each time the limit is reached,
/// so operators know devices are waiting.
struct ConnectionLimit: AvailableConnectionsDelegate {
    let maximum: Int
    let logger: Logger
    private var open = 0

    init(maximum: Int, logger: Logger) {
        self.maximum = maximum
        self.logger = logger
    }

    mutating func connectionOpened() {
        open += 1
        if open == maximum {
            logger.warning(
                "connection limit reached: new connections wait until one closes (serve --max-connections)",
                metadata: ["max_connections": "\(maximum)"])
        }
    }

    mutating func connectionClosed() { open -= 1 }

    func isAcceptingNewConnections() -> Bool { open < maximum }
}
