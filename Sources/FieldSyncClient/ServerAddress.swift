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
        guard let host = components.host, !host.isEmpty else {
            throw SyncError(.badArgument, "\(problem) (a host is missing)")
        }
        // A password in the URL would be printed by `status`: the token is the place for credentials.
        guard components.user == nil, components.password == nil else {
            throw SyncError(
                .badArgument, "\(problem), without a user or password: set the token with `fieldsync config set token -` (then paste it)")
        }
        guard components.query == nil, components.fragment == nil else {
            throw SyncError(.badArgument, "\(problem), without a query or fragment")
        }
        var normalized = trimmed
        while normalized.hasSuffix("/") { normalized.removeLast() }
        // Scheme and host are case-blind: HTTPS://Branch-Server and https://branch-server are one service.
        // An IPv6 zone (`%25eth0`) names an interface, whose case counts: kept as typed, with the rest.
        let afterScheme = normalized[normalized.range(of: "://")!.upperBound...]
        let caseBlindEnd =
            afterScheme.range(of: "%25")?.lowerBound ?? afterScheme.firstIndex(of: "/") ?? normalized.endIndex
        return normalized[..<caseBlindEnd].lowercased() + normalized[caseBlindEnd...]
    }

    /// Whether requests to `url` cross a network unencrypted: `http` to
    /// anything but this machine. The token and customer data would then be
    /// readable by anyone on the way.
    public static func isUnencryptedRemote(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "http" else {
            return false
        }
        let host = (components.host ?? "").lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return !(host == "localhost" || host == "::1" || isLoopbackIPv4(host))
    }

    /// 127.0.0.0/8 written as an address (not a name such as 127.example.com).
    private static func isLoopbackIPv4(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// The warning a person setting such a URL is given.
    public static let unencryptedWarning =
        "warning: http:// sends the token and customer data unencrypted across the network; use https:// unless the link is private to the branch"
}
