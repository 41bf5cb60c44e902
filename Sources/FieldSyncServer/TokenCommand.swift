import ArgumentParser
import FieldSyncCore
import FieldSyncService

/// `fieldsync-server token issue|revoke|list`: the bearer tokens devices use.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Issue, revoke and list managers' access tokens.",
        subcommands: [Issue.self, Revoke.self, List.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a token for a manager and print it (the one time it is shown: only its hash is kept).")

        @Argument(help: "The manager's id.") var id: String
        @OptionGroup var storage: StoreOptions

        func run() async throws {
            let token: String
            token = await storage.withStore { try await $0.issueToken(for: id) }
            // The token alone on standard output, so a script can capture it; the advice on standard error.
            print(token)
            ServerOutput.note(
                "This is the only time the token is shown. On \(id)'s device: fieldsync config set token - (then paste it: standard input keeps it out of the shell's history)"
            )
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Revoke one token (give the token, or its first characters as `token list` shows them) or all of a manager's tokens (give their id).",
            discussion: "A revoked token is refused from its next request on, also by a server already running.")

        @Argument(help: "A manager's id, a token, or a token's first characters (fst_AbCdEf).") var managerOrToken: String
        @OptionGroup var storage: StoreOptions

        func run() async throws {
            let count: Int
            count = await storage.withStore { try await $0.revokeTokens(managerOrToken) }
            print("Revoked \(count) token\(count == 1 ? "" : "s").")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (their first characters only).")

        @Argument(help: "Only this manager's tokens.") var id: String?
        @OptionGroup var storage: StoreOptions

        func run() async throws {
            let tokens: [TokenRecord]
            tokens = await storage.withStore { try await $0.tokens(of: id) }
            guard !tokens.isEmpty else { return print("No tokens.") }
            print(
                TextTable.render(
                    ["MANAGER", "TOKEN", "ISSUED", "REVOKED"],
                    tokens.map {
                        [
                            $0.manager, $0.hint, ISODate.dateTime(millisSinceEpoch: $0.issuedAtMillis),
                            $0.revokedAtMillis.map { ISODate.dateTime(millisSinceEpoch: $0) } ?? "-",
                        ]
                    }), terminator: "")
        }
    }
}
