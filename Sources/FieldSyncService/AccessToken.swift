import Crypto
import Foundation

/// Bearer tokens: `fst_` and 43 characters of base64url (32 random bytes).
/// The service keeps only a SHA-256 of each (a token has 256 bits of entropy,
/// so a fast hash is as safe as a slow one) and a short hint to tell tokens
/// apart in listings.
public enum AccessToken {
    public static let prefix = "fst_"

    package static func generate(using random: inout any RandomNumberGenerator) -> String {
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) }
        let base64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return prefix + base64
    }

    package static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    /// The first characters, enough to recognise a token in a list, far too few to use it.
    package static func hint(_ token: String) -> String {
        String(token.prefix(prefix.count + 6)) + "…"
    }

    /// Whether `text` has a token's shape (to tell `token revoke TOKEN` from `token revoke MANAGER`).
    public static func looksLikeToken(_ text: String) -> Bool {
        text.hasPrefix(prefix) && text.count == prefix.count + 43
    }

    /// What `token revoke` names: a whole token; a token's hint as `token
    /// list` shows it (`fst_AbCdEf…`, the `…` optional), for a token nobody
    /// has any more (lost before it reached the device); or a manager.
    package enum RevocationTarget: Equatable {
        case token(hash: Data)
        case hint(String)
        case manager(String)
    }

    package static func revocationTarget(_ text: String) throws -> RevocationTarget {
        guard text.hasPrefix(prefix) else { return .manager(text) }
        if looksLikeToken(text) { return .token(hash: hash(text)) }
        let shown = text.hasSuffix("…") ? String(text.dropLast()) : text
        guard shown.count == prefix.count + 6 else {
            throw ServiceError(
                .badArgument,
                "that is neither a whole token (\(prefix) and 43 characters) nor its first characters as `token list` shows them (\(prefix) and 6)"
            )
        }
        return .hint(shown + "…")
    }

    /// A hint names one token only if no other active token shares it.
    package static func checkHintMatches(_ count: Int, _ hint: String) throws {
        switch count {
        case 1: return
        case 0: throw ServiceError(.badArgument, "no active token starts with \(hint); `token list` shows them")
        default:
            throw ServiceError(
                .badArgument,
                "\(count) active tokens start with \(hint); give the whole token, or revoke all of its manager's tokens")
        }
    }
}
