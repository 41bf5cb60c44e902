import FieldSyncCore
import Foundation

/// The sync service's base URL as a replica keeps it: `http` or `https`, a
/// host, an optional port and path prefix, no trailing slash.
public enum ServerAddress {
    /// Checks what a person typed and returns the URL to keep; a bad one is
    /// `bad_argument`, so it is never saved to fail later at sync time.
    public static func normalized(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let problem = "the server URL must look like https://host[:port][/path]"
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https"
        else { throw SyncError(.badArgument, "\(problem) (http or https)") }
        guard let host = components.host, !host.isEmpty else { throw SyncError(.badArgument, "\(problem) (a host is missing)") }
        // A password in the URL would be printed by `status`: the token is the place for credentials.
        guard components.user == nil, components.password == nil else {
            throw SyncError(.badArgument, "\(problem), without a user or password: use `fieldsync config set token TOKEN`")
        }
        guard components.query == nil, components.fragment == nil else {
            throw SyncError(.badArgument, "\(problem), without a query or fragment")
        }
        var normalized = trimmed
        while normalized.hasSuffix("/") { normalized.removeLast() }
        return normalized
    }
}
