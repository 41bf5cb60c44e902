import FieldSyncCore
import Foundation

/// A change set as JSON: the body of a change file and of push and pull
/// messages. Specified in protocol/changes.md and pinned by the golden files
/// in protocol/vectors/wire/. Changes are grouped by row; each field carries
/// its value, its version (`TIMESTAMP-REPLICA`, see `Version`) and, in a
/// push, its base version.
public struct ChangeSetDocument: Codable, Sendable {
    public static let format = "fieldsync-changes"

    public var changeSet: ChangeSet
    /// For a change file: the exporting replica's local change counter the
    /// file runs through, to export "since" it next time.
    public var through: Int64?

    public init(changeSet: ChangeSet, through: Int64? = nil) {
        self.changeSet = changeSet
        self.through = through
    }

    enum Keys: String, CodingKey {
        case format
        case schemaVersion = "schema_version"
        case through
        case rows
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let format = try container.decode(String.self, forKey: .format)
        guard format == Self.format else {
            throw DecodingError.dataCorruptedError(
                forKey: .format, in: container, debugDescription: "expected \"\(Self.format)\", got \"\(format)\"")
        }
        let schemaVersion = try container.decode(Int.self, forKey: .schemaVersion)
        through = try container.decodeIfPresent(Int64.self, forKey: .through)
        let changes = try WireRow.changes(from: container.decode([WireRow].self, forKey: .rows))
        changeSet = ChangeSet(schemaVersion: schemaVersion, changes: changes)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(Self.format, forKey: .format)
        try container.encode(changeSet.schemaVersion, forKey: .schemaVersion)
        try container.encodeIfPresent(through, forKey: .through)
        let rows = WireRow.rows(from: changeSet)
        try container.encode(rows, forKey: .rows)
    }
}

/// A document that is not what the protocol says.
public struct WireError: FieldSyncError {
    public let code: ErrorCode
    public let message: String

    public init(code: ErrorCode, message: String) {
        self.code = code
        self.message = message
    }

    public static func malformed(_ message: String) -> WireError {
        WireError(code: .malformed, message: message)
    }
}

/// The one JSON dialect of the protocol: sorted keys, so equal documents are equal bytes.
public enum WireJSON {
    public static func encode(_ value: some Encodable, pretty: Bool = false) throws -> Data {
        // Pull pages, pushes and their answers are most of what travels: written by hand (same document).
        if !pretty, let page = value as? PullResponse { return try PullPageWriter.write(page) }
        if !pretty, let push = value as? PushRequest { return try PushRequestWriter.write(push) }
        if !pretty, let result = value as? PushResponse, result.rejected.isEmpty,
            result.removedRecords.isEmpty
        {
            return PushResultWriter.write(result)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Decodes a document; failures become `WireError` naming where the document went wrong.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        // Pull pages, pushes and their answers are most of what travels: read by hand (same checks).
        if type == PullResponse.self { return try WireReader.read(data) { try $0.pullPage() } as! T }
        if type == PushRequest.self { return try WireReader.read(data) { try $0.push() } as! T }
        if type == PushResponse.self { return try WireReader.read(data) { try $0.pushResult() } as! T }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as WireError {
            throw error
        } catch let error as DecodingError {
            throw WireError.malformed(describe(error))
        } catch {
            throw WireError.malformed("not valid JSON")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }
                .joined()
            return keys.isEmpty ? "the document" : String(keys.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "\(parent == "the document" ? "" : parent + ".")\(key.stringValue) is missing"
        case .typeMismatch(let type, let context):
            return "\(path(context)) has the wrong type (expected \(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context)) is null (expected \(type))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "not valid JSON" : "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "not a valid document"
        }
    }
}
