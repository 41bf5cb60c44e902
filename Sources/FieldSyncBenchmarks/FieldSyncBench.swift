import ArgumentParser
import Foundation

/// `fieldsync-bench`: FieldSync's benchmarks, each printed next to a baseline
/// measured in the same run (these machines are shared and noisy).
public struct FieldSyncBench: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fieldsync-bench",
        abstract: "FieldSync's benchmarks, each beside a baseline measured in the same run.",
        subcommands: [Merge.self])

    public init() {}

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge 1,000,000 field changes (50,000 customers x 20 fields) into a replica file.")

        @Option(help: "Customer records (20 fields each).") var records = 50_000
        @Option(help: "Rounds, each a merge and its baseline back to back; medians are reported.") var rounds = 5
        @Option(help: "Where the database files go (default: a temporary directory).") var directory: String?
        @Flag(help: "Print the figures as one JSON object.") var json = false

        func run() throws {
            let directory = try self.directory ?? temporaryDirectory()
            let benchmark = MergeBenchmark(records: records, rounds: rounds, directory: directory)
            let result = try benchmark.run { line in if !json { print(line) } }
            if json {
                print(try jsonLine(result))
            } else {
                print(
                    """
                    merge: \(result.fields) field changes (\(result.records) records), \(result.winners) won
                      merge     \(Int(result.mergeFieldsPerSecond)) fields/s
                      baseline  \(Int(result.baselineFieldsPerSecond)) fields/s (plain upsert, one statement per record, no versions)
                      ratio     \(String(format: "%.2f", result.ratio)) (median of the rounds' ratios; target >= \(result.targetRatio))
                      peak RSS  \(result.peakRSSBytes / 1_000_000) MB (target <= \(result.targetPeakRSSBytes / 1_000_000) MB)
                    """)
            }
            if !result.meetsTargets { throw ExitCode(3) }
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
