import Foundation
import Logging

/// Keeps what is logged, as "LEVEL message key=value ...", for a test to look at.
final class RecordedLog: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var entries: [String] { lock.withLock { recorded } }

    /// A logger writing here.
    var logger: Logger { Logger(label: "fieldsync-test") { _ in self } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        let fields = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        lock.withLock { recorded.append((["\(level) \(message)"] + fields).joined(separator: " ")) }
    }
}
