import ArgumentParser
import FieldSyncCore
import FieldSyncReplica
import Foundation

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The replica file (else $FIELDSYNC_REPLICA, else the XDG data directory).")
    var replica: String?

    @Flag(name: .long, help: "Print data as JSON (and errors as JSON on standard error).")
    var json = false

    var replicaPath: String {
        ReplicaLocation.resolve(explicit: replica, environment: ProcessInfo.processInfo.environment)
    }

    func openReplica() throws -> Replica {
        try Replica.open(at: replicaPath)
    }

    /// Runs a command body, reporting any error the way scripts and people expect.
    func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ExitCode {
            throw error
        } catch {
            Output.report(error, json: json)
            throw ExitCode.failure
        }
    }

    /// `run` for commands that talk to the sync service.
    func runAsync(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ExitCode {
            throw error
        } catch {
            Output.report(error, json: json)
            throw ExitCode.failure
        }
    }
}

/// Where the replica lives when no path is given.
enum ReplicaLocation {
    static func resolve(explicit: String?, environment: [String: String]) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let path = environment["FIELDSYNC_REPLICA"], !path.isEmpty { return path }
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return dataHome + "/fieldsync/replica.db"
    }
}
