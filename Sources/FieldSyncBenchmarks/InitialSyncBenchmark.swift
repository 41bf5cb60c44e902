import FieldSyncCore
import Foundation

/// `fieldsync-bench initial-sync`: a manager's first sync of her whole book.
/// The real `fieldsync pull` on a fresh replica against the real server over
/// loopback, beside a plain query reading the same rows out of the server's
/// store. Runs a quarter-size book first, so the client's peak memory can be
/// seen not to grow with the data.
public struct InitialSyncBenchmark {
    public struct Run: Codable, Sendable {
        public var customers: Int
        public var interactions: Int
        public var rows: Int
        public var fields: Int
        public var pages: Int
        public var seconds: Double
        public var fieldsPerSecond: Double
        public var baselineFieldsPerSecond: Double
        public var wireBytes: Int
        public var wireBytesPerField: Double
        public var clientPeakRSSBytes: UInt64
        public var serverPeakRSSBytes: UInt64

        enum CodingKeys: String, CodingKey {
            case customers, interactions, rows, fields, pages, seconds
            case fieldsPerSecond = "fields_per_second"
            case baselineFieldsPerSecond = "baseline_fields_per_second"
            case wireBytes = "wire_bytes"
            case wireBytesPerField = "wire_bytes_per_field"
            case clientPeakRSSBytes = "client_peak_rss_bytes"
            case serverPeakRSSBytes = "server_peak_rss_bytes"
        }
    }

    public struct Result: BenchmarkResult {
        public var benchmark = "initial-sync"
        public var store = "sqlite"
        /// The quarter-size book, then the full one.
        public var runs: [Run]
        public var targetFieldsPerSecond = 200_000.0
        public var targetClientPeakRSSBytes: UInt64 = 200_000_000
        /// "Does not grow with the data": four times the data, at most this much more memory.
        public var targetClientRSSGrowthBytes: UInt64 = 16_000_000
        public var targetWireBytesPerField = 40.0

        public var full: Run { runs[runs.count - 1] }
        public var clientRSSGrowthBytes: UInt64 {
            let peaks = runs.map(\.clientPeakRSSBytes)
            return peaks.max()! - peaks.min()!
        }
        public var figures: [Figure] {
            runs.flatMap { run in
                let size = "\(Format.grouped(run.customers)) customers"
                let isFull = run.customers == full.customers
                return [
                    Figure(
                        "\(size): end to end", Format.rate(run.fieldsPerSecond, "fields"),
                        baseline: Format.rate(run.baselineFieldsPerSecond, "fields") + " (plain query)",
                        target: isFull ? ">= " + Format.rate(targetFieldsPerSecond, "fields") : nil,
                        met: isFull ? run.fieldsPerSecond >= targetFieldsPerSecond : nil),
                    Figure("\(size): fields, pages", "\(Format.grouped(run.fields)) in \(run.pages) pages"),
                    Figure(
                        "\(size): on the wire",
                        String(format: "%.1f B/field", run.wireBytesPerField) + " (\(Format.megabytes(UInt64(run.wireBytes))))",
                        target: String(format: "<= %.0f B/field", targetWireBytesPerField),
                        met: run.wireBytesPerField <= targetWireBytesPerField),
                    Figure(
                        "\(size): client peak RSS", Format.megabytes(run.clientPeakRSSBytes),
                        target: "<= " + Format.megabytes(targetClientPeakRSSBytes),
                        met: run.clientPeakRSSBytes <= targetClientPeakRSSBytes),
                    Figure("\(size): server peak RSS", Format.megabytes(run.serverPeakRSSBytes)),
                ]
            } + [
                Figure(
                    "client peak RSS growth, 4x the data", Format.megabytes(clientRSSGrowthBytes),
                    target: "<= " + Format.megabytes(targetClientRSSGrowthBytes),
                    met: clientRSSGrowthBytes <= targetClientRSSGrowthBytes)
            ]
        }

        public var meetsTargets: Bool {
            full.fieldsPerSecond >= targetFieldsPerSecond
                && runs.allSatisfy {
                    $0.clientPeakRSSBytes <= targetClientPeakRSSBytes && $0.wireBytesPerField <= targetWireBytesPerField
                } && clientRSSGrowthBytes <= targetClientRSSGrowthBytes
        }

        enum CodingKeys: String, CodingKey {
            case benchmark, store, runs
            case targetFieldsPerSecond = "target_fields_per_second"
            case targetClientPeakRSSBytes = "target_client_peak_rss_bytes"
            case targetClientRSSGrowthBytes = "target_client_rss_growth_bytes"
            case targetWireBytesPerField = "target_wire_bytes_per_field"
        }
    }

    public let customers: Int
    public let interactions: Int
    public let directory: String
    /// The PostgreSQL server whose databases the runs use; nil: SQLite files.
    public let postgres: String?

    public init(customers: Int = 50_000, interactions: Int = 200_000, directory: String, postgres: String? = nil) {
        self.customers = customers
        self.interactions = interactions
        self.directory = directory
        self.postgres = postgres
    }

    public func run(progress: (String) -> Void = { _ in }) async throws -> Result {
        var runs: [Run] = []
        for (customers, interactions) in [(customers / 4, interactions / 4), (customers, interactions)] {
            let run = try await measure(customers: customers, interactions: interactions, progress: progress)
            progress(
                "\(customers) customers: \(Int(run.fieldsPerSecond)) fields/s, client peak \(run.clientPeakRSSBytes / 1_000_000) MB"
            )
            runs.append(run)
        }
        return Result(store: postgres == nil ? "sqlite" : "postgres", runs: runs)
    }

    private func measure(customers: Int, interactions: Int, progress: (String) -> Void) async throws -> Run {
        let directory = "\(self.directory)/initial-sync-\(customers)"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try await BenchStore.withFresh("initial_sync_\(customers)", in: directory, postgres: postgres) { store in
            try await measure(customers: customers, interactions: interactions, on: store, in: directory, progress: progress)
        }
    }

    private func measure(
        customers: Int, interactions: Int, on store: BenchStore, in directory: String, progress: (String) -> Void
    ) async throws -> Run {
        progress("seeding \(customers) customers and \(interactions) interactions in \(store.kind)")
        let (ana, admin) = try await seed(store, customers: customers, interactions: interactions)

        let server = try await BenchServer.start(on: store, in: directory)
        let outcome: (pull: PullOutput, seconds: Double, clientPeak: UInt64, wire: Int, baseline: Double)
        do {
            let baseline = try await plainQueryFieldsPerSecond(store)
            let fieldsync = try ChildProcess.sibling("fieldsync")
            let replica = ["--replica", "\(directory)/device.db"]
            _ = try await ChildProcess.run(
                fieldsync, ["init", "--manager", Self.manager.id, "--server", server.url, "--token", ana] + replica,
                in: directory, label: "init")
            let before = try await ServerMetrics.fetch(server.url, token: admin)
            progress("pulling")
            let start = MonotonicClock.seconds()
            let (output, exit) = try await ChildProcess.run(
                fieldsync, ["pull", "--json"] + replica, in: directory, label: "pull")
            let seconds = MonotonicClock.seconds() - start
            let after = try await ServerMetrics.fetch(server.url, token: admin)
            // Nothing lost: the device holds exactly what the service holds for her.
            _ = try await ChildProcess.run(fieldsync, ["digest", "--compare"] + replica, in: directory, label: "digest")
            let pull = try JSONDecoder().decode(PullOutput.self, from: Data(output.utf8))
            outcome = (
                pull, seconds, exit.peakResidentBytes,
                after.responseBytes(route: "/v1/pull") - before.responseBytes(route: "/v1/pull"), baseline
            )
        } catch {
            _ = try? await server.stop()
            throw error
        }
        let serverPeak = try await server.stop().peakResidentBytes
        let expectedFields = customers * Self.fields("customers") + interactions * Self.fields("interactions")
        guard outcome.pull.fields == expectedFields, outcome.pull.rows == customers + interactions else {
            throw BenchmarkError(
                "the pull brought \(outcome.pull.rows) rows and \(outcome.pull.fields) fields; the store holds \(customers + interactions) rows and \(expectedFields) fields"
            )
        }
        return Run(
            customers: customers, interactions: interactions, rows: outcome.pull.rows, fields: outcome.pull.fields,
            pages: outcome.pull.pages, seconds: outcome.seconds,
            fieldsPerSecond: Double(outcome.pull.fields) / outcome.seconds,
            baselineFieldsPerSecond: outcome.baseline, wireBytes: outcome.wire,
            wireBytesPerField: Double(outcome.wire) / Double(outcome.pull.fields),
            clientPeakRSSBytes: outcome.clientPeak, serverPeakRSSBytes: serverPeak)
    }

    static let manager = Manager(id: "ana", name: "Ana", branch: "north", role: .manager)
    static let admin = Manager(id: "ops", name: "Operations", branch: "hq", role: .admin)

    static func fields(_ table: String) -> Int { try! Schema.default.table(table).columns.count }

    /// The store: Ana's book, pushed from her laptop. Returns her token and an admin's (for /metrics).
    private func seed(_ store: BenchStore, customers: Int, interactions: Int) async throws -> (String, String) {
        try await StoreSeeder.fill(store) { seeder in
            let token = try await seeder.addManager(Self.manager)
            let adminToken = try await seeder.addManager(Self.admin)
            let laptop = ReplicaID(rawValue: 0x1a)!
            var book = BookGenerator(seed: 0xB00C, replica: laptop)
            var ids: [String] = []
            ids.reserveCapacity(customers)
            try await seeder.push(
                (0..<customers).lazy.map { _ in
                    let customer = book.customer(owner: Self.manager.id)
                    ids.append(customer.id)
                    return customer.changes
                }, as: Self.manager, replica: laptop)
            try await seeder.push(
                (0..<interactions).lazy.map { book.interaction(customer: ids[$0 % ids.count], author: Self.manager.id) },
                as: Self.manager, replica: laptop)
            return (token, adminToken)
        }
    }

    /// The same rows read with one plain query per table: values only, no versions, no HTTP.
    private func plainQueryFieldsPerSecond(_ store: BenchStore) async throws -> Double {
        let owner = "owner = '\(Self.manager.id)'"
        // Every value but the id (not a field), as a client reading the record would.
        let read = try await store.readValues(
            [
                "SELECT * FROM customers WHERE \(owner)",
                "SELECT * FROM interactions WHERE customer_id IN (SELECT id FROM customers WHERE \(owner))",
            ], skippingFirstColumn: true)
        return Double(read.values) / read.seconds
    }

    /// What `fieldsync pull --json` prints.
    struct PullOutput: Decodable {
        let rows: Int
        let fields: Int
        let pages: Int
    }
}
