import ArgumentParser
import FieldSyncCore
import Foundation

/// `fieldsync-bench`: FieldSync's benchmarks, each printed next to a baseline
/// measured in the same run (these machines are shared and noisy). Each
/// exits 3 when a target is missed.
public struct FieldSyncBench: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fieldsync-bench",
        abstract: "FieldSync's benchmarks, each beside a baseline measured in the same run.",
        discussion: "Build in release first (swift build -c release): initial-sync and load start the fieldsync-server and fieldsync built beside this program.",
        subcommands: [Merge.self, InitialSync.self, Load.self, Table.self, Measure.self])

    public init() {}

    /// Runs the command line asynchronously. (From top-level code, `main()`
    /// resolves to ParsableCommand's synchronous one, which cannot run an
    /// async subcommand.)
    public static func mainAsync() async {
        await main(nil as [String]?)
    }

    struct Common: ParsableArguments {
        @Option(help: "Where the benchmark's files go, kept afterwards (default: a temporary directory, removed).")
        var directory: String?
        @Flag(help: "Print the figures as one JSON object, targets included.") var json = false

        func run<Result: BenchmarkResult>(_ body: (String, (String) -> Void) async throws -> Result) async throws {
            let directory = try self.directory ?? temporaryDirectory()
            defer { if self.directory == nil { try? FileManager.default.removeItem(atPath: directory) } }
            // Progress goes to standard error, so `--json` output stays one object.
            let result = try await body(directory) { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
            if json {
                print(try jsonLine(BenchmarkDocument(result: result)))
            } else {
                print(TextTable.render(Figure.header, result.figures.map(\.cells)), terminator: "")
            }
            if !result.meetsTargets { throw ExitCode(3) }
        }
    }

    /// Which central store initial-sync and load run on.
    struct StoreChoice: ParsableArguments {
        @Option(
            help: ArgumentHelp(
                "Run on PostgreSQL instead of an SQLite file: a server's URL, postgres://USER@HOST[:PORT]/DATABASE, as a user who may create databases (each run creates a database fieldsync_bench_* there and drops it after). scripts/bench.sh starts a throwaway one.",
                valueName: "url"))
        var postgres: String?
    }

    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge 1,000,000 field changes (50,000 customers x 20 fields) into a replica file.")

        @Option(help: "Customer records (20 fields each).") var records = 50_000
        @Option(help: "Rounds, each a merge and its baseline back to back; medians are reported.") var rounds = 5
        @OptionGroup var common: Common

        func run() async throws {
            try await common.run { directory, progress in
                try MergeBenchmark(records: records, rounds: rounds, directory: directory).run(progress: progress)
            }
        }
    }

    struct InitialSync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "initial-sync",
            abstract: "A manager's first sync of her whole book: fieldsync pull on a fresh replica from fieldsync-server over loopback.",
            discussion: "Runs a quarter-size book first, then the full one, to show the client's memory does not grow with the data.")

        @Option(help: "Customers in the manager's book (20 fields each).") var customers = 50_000
        @Option(help: "Interactions on those customers (13 fields each).") var interactions = 200_000
        @OptionGroup var store: StoreChoice
        @OptionGroup var common: Common

        func run() async throws {
            try await common.run { directory, progress in
                try await InitialSyncBenchmark(
                    customers: customers, interactions: interactions, directory: directory, postgres: store.postgres
                ).run(progress: progress)
            }
        }
    }

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Managers recording visits and syncing at once against fieldsync-server; then checks nothing was lost.")

        @Option(help: "Simulated managers, each with her own replica and customers.") var managers = 64
        @Option(help: "How long the managers keep visiting and syncing, in seconds.") var seconds = 10.0
        @Option(help: "Customers each manager owns.") var customersPerManager = 20
        @OptionGroup var store: StoreChoice
        @OptionGroup var common: Common

        func run() async throws {
            try await common.run { directory, progress in
                try await LoadBenchmark(
                    managers: managers, seconds: seconds, customersPerManager: customersPerManager, directory: directory,
                    postgres: store.postgres
                ).run(progress: progress)
            }
        }
    }

    /// Runs a program and writes its exit status, peak resident bytes and
    /// CPU seconds to a file: how the benchmarks start the programs they measure.
    struct Measure: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a program and write its exit status, peak RSS and CPU time to a file.",
            shouldDisplay: false)

        @Option(help: "Where the figures go: status, peak resident bytes, CPU seconds.") var figures: String
        @Argument(parsing: .postTerminator) var command: [String]

        func run() throws {
            guard let executable = command.first else { throw ValidationError("name the program to run after --") }
            let exit = try ChildProcess.runMeasured(executable, Array(command.dropFirst()))
            try "\(exit.status) \(exit.peakResidentBytes) \(exit.cpuSeconds)\n".write(
                toFile: figures, atomically: true, encoding: .utf8)
            throw ExitCode(exit.status)
        }
    }

    struct Table: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print one table of benchmark results (the JSON objects --json printed, one per line).")

        @Argument(help: "Files of JSON results; standard input when none.") var files: [String] = []

        func run() throws {
            let text =
                files.isEmpty
                ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                : try files.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined(separator: "\n")
            print(try BenchmarkTable.render(jsonLines: text.split(separator: "\n").map(String.init)), terminator: "")
        }
    }
}

func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "fieldsync-bench-\(getpid())"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func jsonLine(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
