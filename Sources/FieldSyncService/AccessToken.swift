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
}
