import FieldSyncCore
import Foundation

/// One line of a benchmark's report, as people read it: the figure, the
/// baseline measured in the same run, the target and whether it was met.
public struct Figure: Codable, Sendable {
    public var name: String
    public var value: String
    public var baseline: String?
    public var target: String?
    public var met: Bool?

    /// The columns both tables print: figure, measured, baseline, target, met.
    static let header = ["FIGURE", "MEASURED", "BASELINE (same run)", "TARGET", "MET"]
    var cells: [String] { [name, value, baseline ?? "", target ?? "", met.map { $0 ? "yes" : "NO" } ?? ""] }

    init(_ name: String, _ value: String, baseline: String? = nil, target: String? = nil, met: Bool? = nil) {
        self.name = name
        self.value = value
        self.baseline = baseline
        self.target = target
        self.met = met
    }
}

/// What every benchmark's result offers besides its raw figures.
public protocol BenchmarkResult: Encodable, Sendable {
    var figures: [Figure] { get }
    var meetsTargets: Bool { get }
}

/// A result as `--json` prints it: its own fields, plus its figures and
/// whether it met its targets, so scripts can compare runs and print tables.
struct BenchmarkDocument<Result: BenchmarkResult>: Encodable {
    let result: Result

    enum Keys: String, CodingKey {
        case figures
        case meetsTargets = "meets_targets"
    }

    func encode(to encoder: any Encoder) throws {
        try result.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(result.figures, forKey: .figures)
        try container.encode(result.meetsTargets, forKey: .meetsTargets)
    }
}

/// The table `scripts/bench.sh` prints: every figure of every benchmark run.
public enum BenchmarkTable {
    struct Document: Decodable {
        let benchmark: String
        let store: String?
        let figures: [Figure]
    }

    public static func render(jsonLines: [String]) throws -> String {
        var rows: [[String]] = []
        for line in jsonLines where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let document = try JSONDecoder().decode(Document.self, from: Data(line.utf8))
            let name = document.store.map { "\(document.benchmark) (\($0))" } ?? document.benchmark
            rows += document.figures.map { [name] + $0.cells }
        }
        return TextTable.render(["BENCHMARK"] + Figure.header, rows)
    }
}

/// Figures as people read them.
enum Format {
    static func rate(_ value: Double, _ unit: String) -> String { "\(grouped(Int(value.rounded()))) \(unit)/s" }
    static func megabytes(_ bytes: UInt64) -> String { "\(bytes / 1_000_000) MB" }
    static func millis(_ value: Double) -> String { String(format: "%.1f ms", value) }
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return (value < 0 ? "-" : "") + result
    }
}
