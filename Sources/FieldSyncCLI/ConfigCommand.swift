import ArgumentParser
import FieldSyncClient
import FieldSyncCore
import FieldSyncReplica
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The replica's sync settings: which service, and the token to show it.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Set or show which sync service this replica uses.",
        subcommands: [Set.self, Show.self])

    enum Key: String, ExpressibleByArgument, CaseIterable {
        case server, token
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Set the service URL (`config set server URL`) or the access token (`config set token -` reads it from standard input, out of the shell's history)."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "server or token.") var key: Key
        @Argument(help: "The service's URL (http or https), or the token.") var value: String

        func run() throws {
            try global.run {
                let replica = try global.openReplica()
                switch key {
                case .server:
                    let url = try ServerAddress.normalized(value)
                    let previous = try replica.serverURL
                    let forgot = try replica.setServer(url: url, token: nil)
                    if ServerAddress.isUnencryptedRemote(url) { Output.warning(ServerAddress.unencryptedWarning) }
                    if let previous, previous != url, try replica.token != nil {
                        // A mistyped address would receive the token on the next sync.
                        Output.warning(
                            "the next sync shows this device's token to \(url): check the address; for another service, set its own token with `fieldsync config set token -`"
                        )
                    }
                    if global.json {
                        Output.json(["server": url, "pull_restarts": forgot])
                    } else {
                        Output.line("Server: \(url)")
                        if forgot {
                            Output.line(
                                "Another service than before: the next sync downloads your whole book from it again.")
                        }
                    }
                case .token:
                    try replica.setToken(try ConfigCommand.token(value))
                    // The token itself is never printed: terminals and logs keep what they show.
                    if global.json { Output.json(["token_set": true]) } else { Output.line("Token: set") }
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the service URL and whether a token is set (never the token itself).")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.run {
                let state = try global.openReplica().syncState()
                if global.json {
                    Output.json(["server": Output.optional(state.serverURL), "token_set": state.hasToken])
                } else {
                    Output.line(
                        "Server: \(state.serverURL ?? "(none): set one with `fieldsync config set server URL`")")
                    Output.line("Token:  \(state.hasToken ? "set" : "not set")")
                }
            }
        }
    }

    /// A token as typed, or read from standard input for `-` (kept out of shell history).
    static func token(_ text: String) throws -> String {
        var token = text
        if text == "-" {
            if isatty(STDIN_FILENO) == 1 {
                // A person pasting: one line, ended by Enter (not end of input, which nobody types).
                FileHandle.standardError.write(Data("Paste the token, then press Enter: ".utf8))
                token = readLine(strippingNewline: true) ?? ""
            } else {
                token = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            }
        }
        token = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw SyncError(.badArgument, "a token is one word of printable ASCII characters, as the service issued it")
        }
        return token
    }
}
