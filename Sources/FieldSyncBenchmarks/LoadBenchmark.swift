import AsyncHTTPClient
import FieldSyncCore
import Foundation

/// `fieldsync-bench load`: the branch's service at the end of the day.
/// Simulated managers, each with her own replica and book, record visits and
/// sync after each, against the real server; beside it, the same server's
/// `/health` at the same concurrency. Then checks that nothing was lost.
public struct LoadBenchmark: Sendable {
    public struct Health: Codable, Sendable {
        public var requestsPerSecond: Double
        public var latency: LatencySummary
        public var errors: Int

        enum CodingKeys: String, CodingKey {
            case requestsPerSecond = "requests_per_second"
            case latency, errors
        }
    }

    public struct Result: BenchmarkResult {
        public var benchmark = "load"
        public var store = "sqlite"
        public var managers: Int
        public var seconds: Double
        public var visits: Int
        public var pushesPerSecond: Double
        public var fieldsPerSecond: Double
        public var push: LatencySummary
        public var pull: LatencySummary
        /// Failed requests plus rejected changes.
        public var errors: Int
        /// Changes made on a device that the service does not hold, plus devices not in sync with it.
        public var lost: Int
        public var serverPeakRSSBytes: UInt64
        public var serverCPUSeconds: Double
        /// During the load only.
        public var cpu: LoadCPU
        public var health: Health
        public var failures: [String]
        public var targetPushesPerSecond = 3_000.0
        public var targetPushP99Millis = 100.0
        public var targetLost = 0
        public var targetErrors = 0

        public var figures: [Figure] {
            [
                Figure(
                    "\(managers) managers: pushes", Format.rate(pushesPerSecond, "pushes"),
                    baseline: Format.rate(health.requestsPerSecond, "requests") + " (/health)",
                    target: ">= " + Format.rate(targetPushesPerSecond, "pushes"),
                    met: pushesPerSecond >= targetPushesPerSecond),
                Figure("fields accepted", Format.rate(fieldsPerSecond, "fields")),
                Figure(
                    "push latency p50 / p99 / max",
                    [push.p50Millis, push.p99Millis, push.maxMillis].map(Format.millis).joined(separator: " / "),
                    baseline: "p99 " + Format.millis(health.latency.p99Millis) + " (/health)",
                    target: "p99 <= " + Format.millis(targetPushP99Millis), met: push.p99Millis <= targetPushP99Millis),
                Figure(
                    "pull latency p50 / p99 / max",
                    [pull.p50Millis, pull.p99Millis, pull.maxMillis].map(Format.millis).joined(separator: " / ")),
                Figure("errors", "\(errors)", baseline: "\(health.errors) (/health)", target: "\(targetErrors)", met: errors <= targetErrors),
                Figure("lost", "\(lost)", target: "\(targetLost)", met: lost <= targetLost),
                Figure(
                    "server peak RSS, CPU", "\(Format.megabytes(serverPeakRSSBytes)), " + String(format: "%.1f s", serverCPUSeconds)),
                Figure(
                    "CPU per visit: devices / server",
                    [cpu.devicesMillisPerVisit, cpu.serverMillisPerVisit].map { $0.map(Format.millis) ?? "?" }
                        .joined(separator: " / ")),
                Figure(
                    "machine CPU busy (all processes)",
                    (cpu.machineBusyCores.map { String(format: "%.2f", $0) } ?? "?") + " of \(cpu.cores) cores"),
            ]
        }

        public var meetsTargets: Bool {
            pushesPerSecond >= targetPushesPerSecond && push.p99Millis <= targetPushP99Millis && lost <= targetLost
                && errors <= targetErrors
        }

        enum CodingKeys: String, CodingKey {
            case benchmark, store, managers, seconds, visits
            case pushesPerSecond = "pushes_per_second"
            case fieldsPerSecond = "fields_per_second"
            case push, pull, errors, lost
            case serverPeakRSSBytes = "server_peak_rss_bytes"
            case serverCPUSeconds = "server_cpu_seconds"
            case cpu, health, failures
            case targetPushesPerSecond = "target_pushes_per_second"
            case targetPushP99Millis = "target_push_p99_ms"
            case targetLost = "target_lost"
            case targetErrors = "target_errors"
        }
    }

    public let managers: Int
    public let seconds: Double
    public let customersPerManager: Int
    public let directory: String
    /// The PostgreSQL server whose database the run uses; nil: an SQLite file.
    public let postgres: String?

    public init(
        managers: Int = 64, seconds: Double = 10, customersPerManager: Int = 20, directory: String,
        postgres: String? = nil
    ) {
        self.managers = managers
        self.seconds = seconds
        self.customersPerManager = customersPerManager
        self.directory = directory
        self.postgres = postgres
    }

    public func run(progress: (String) -> Void = { _ in }) async throws -> Result {
        let directory = "\(self.directory)/load"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try await BenchStore.withFresh("load", in: directory, postgres: postgres) { store in
            try await run(on: store, in: directory, progress: progress)
        }
    }

    private func run(on store: BenchStore, in directory: String, progress: (String) -> Void) async throws -> Result {
        progress("seeding \(managers) managers with \(customersPerManager) customers each in \(store.kind)")
        let staff = try await seed(store)
        let loggedBefore = try await loggedChanges(store)

        let server = try await BenchServer.start(on: store, in: directory)
        var devices: [SimulatedManager] = []
        // `unsettled`: devices not in sync with the service, plus changes still unsent after the last sync.
        let measured: (health: Health, tally: SimulatedManager.Tally, push: LatencySummary, pull: LatencySummary,
                       seconds: Double, cpu: LoadCPU, unsettled: Int)
        do {
            progress("baseline: GET /health from \(managers) clients for \(seconds) s")
            let health = try await healthBaseline(server.url)
            let pushes = LatencyRecorder()
            let pulls = LatencyRecorder()
            for (index, member) in staff.enumerated() {
                devices.append(
                    try SimulatedManager(
                        manager: member.manager, token: member.token, customers: member.customers,
                        serverURL: server.url, path: "\(directory)/device-\(member.manager.id).db",
                        seed: 0x10AD + UInt64(index), pushes: pushes, pulls: pulls))
            }
            try await forEach(devices) { try await $0.firstSync() }
            pushes.reset()
            pulls.reset()
            progress("load: \(managers) managers visiting and syncing for \(seconds) s")
            let cpuAtStart = CPUTime.now(server: server.pid)
            let start = MonotonicClock.seconds()
            try await forEach(devices) { await $0.run(until: start + seconds) }
            let elapsed = MonotonicClock.seconds() - start
            let cpuAtEnd = CPUTime.now(server: server.pid)
            let (push, pull) = (pushes.summary, pulls.summary)
            let states = try await forEach(devices) { try await $0.finish() }
            let outOfSync = states.count { !$0.inSync }
            let pending = states.reduce(0) { $0 + $1.pending }
            var tally = SimulatedManager.Tally()
            for device in devices { tally.add(device.tally) }
            measured = (
                health, tally, push, pull, elapsed, cpuAtEnd.since(cpuAtStart, visits: tally.visits), outOfSync + pending
            )
        } catch {
            for device in devices { await device.shutdown() }
            _ = try? await server.stop()
            throw error
        }
        for device in devices { await device.shutdown() }
        let serverExit = try await server.stop()
        // Every change made on a device is in the service's log (whose key holds each once).
        let logged = try await loggedChanges(store) - loggedBefore
        let lost = max(0, measured.tally.changesMade - logged) + measured.unsettled
        return Result(
            store: store.kind, managers: managers, seconds: measured.seconds, visits: measured.tally.visits,
            pushesPerSecond: Double(measured.push.count) / measured.seconds,
            fieldsPerSecond: Double(measured.tally.accepted) / measured.seconds, push: measured.push,
            pull: measured.pull, errors: measured.tally.failedRequests + measured.tally.rejected, lost: lost,
            serverPeakRSSBytes: serverExit.peakResidentBytes, serverCPUSeconds: serverExit.cpuSeconds, cpu: measured.cpu,
            health: measured.health, failures: measured.tally.failures)
    }

    struct Member {
        let manager: Manager
        let token: String
        let customers: [String]
    }

    /// Managers in branches of eight, each with her book pushed from her laptop.
    private func seed(_ store: BenchStore) async throws -> [Member] {
        try await StoreSeeder.fill(store) { seeder in
            var staff: [Member] = []
            for number in 1...managers {
                let manager = Manager(
                    id: String(format: "mgr-%03d", number), name: "Manager \(number)", branch: "branch-\((number - 1) / 8 + 1)",
                    role: .manager)
                let token = try await seeder.addManager(manager)
                let laptop = ReplicaID(rawValue: 0x1000 + UInt64(number))!
                var book = BookGenerator(seed: 0xB00C + UInt64(number), replica: laptop)
                let customers = (0..<customersPerManager).map { _ in book.customer(owner: manager.id) }
                // Two visits and a follow-up task per customer: every kind of record a visit writes, so
                // PostgreSQL's statistics (taken after seeding) do not say the tasks table is empty.
                let records = customers.flatMap { customer in
                    (0..<2).map { _ in book.interaction(customer: customer.id, author: manager.id) }
                        + [book.task(customer: customer.id, assignee: manager.id)]
                }
                try await seeder.push(customers.map(\.changes) + records, as: manager, replica: laptop)
                staff.append(Member(manager: manager, token: token, customers: customers.map(\.id)))
            }
            return staff
        }
    }

    /// Entries in the service's log: each accepted change once.
    private func loggedChanges(_ store: BenchStore) async throws -> Int {
        try await store.integer("SELECT count(*) FROM svc_log")
    }

    /// `GET /health` from as many clients as there are managers, for as long as the load runs.
    private func healthBaseline(_ url: String) async throws -> Health {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = managers
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let latencies = LatencyRecorder()
        let start = MonotonicClock.seconds()
        let deadline = start + seconds
        let errors = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<managers {
                group.addTask {
                    var errors = 0
                    while MonotonicClock.seconds() < deadline {
                        do {
                            let response = try await latencies.time {
                                let response = try await client.execute(HTTPClientRequest(url: url + "/health"), timeout: .seconds(30))
                                _ = try await response.body.collect(upTo: 1024)
                                return response
                            }
                            if response.status != .ok { errors += 1 }
                        } catch {
                            errors += 1
                        }
                    }
                    return errors
                }
            }
            return await group.reduce(0, +)
        }
        let elapsed = MonotonicClock.seconds() - start
        try await client.shutdown()
        let latency = latencies.summary
        return Health(requestsPerSecond: Double(latency.count) / elapsed, latency: latency, errors: errors)
    }

    /// Runs `body` on every device at once; each device is used by one task only.
    @discardableResult
    private func forEach<T: Sendable>(
        _ devices: [SimulatedManager], _ body: @escaping @Sendable (SimulatedManager) async throws -> T
    ) async throws -> [T] {
        try await withThrowingTaskGroup(of: T.self) { group in
            for device in devices { group.addTask { try await body(device) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}
