import FieldSyncCore
import Foundation
import Testing

/// Two `fieldsync-server` processes on one PostgreSQL database, and devices
/// that sync through either of them at random: pushes, pulls and conflicts of
/// one branch interleave across processes, as behind a load balancer.
@Suite("several fieldsync-server instances on one PostgreSQL")
struct MultiInstanceTests {
    static let seed: UInt64 = 0x5EED_F1E1_D5EC
    static let rounds = 5

    @Test(
        "two server processes on one PostgreSQL, many replicas pushing and pulling concurrently through both at random: every replica's digest equals the server's and every accepted change is present",
        .timeLimit(.minutes(3)))
    func replicasThroughTwoInstances() async throws {
        let admin = try #require(
            ProcessInfo.processInfo.environment["FIELDSYNC_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 },
            "set FIELDSYNC_TEST_POSTGRES or run scripts/test.sh, which starts a throwaway PostgreSQL")
        let sandbox = try Sandbox()
        let database = try await TestDatabase(admin: admin, in: sandbox.directory)
        do {
            try await exercise(postgres: database.url, sandbox: sandbox)
        } catch {
            await database.drop()
            throw error
        }
        await database.drop()
    }

    private func exercise(postgres: String, sandbox: Sandbox) async throws {
        // The store comes from --postgres alone, whatever the caller's environment says.
        let serverEnvironment = sandbox.environment().filter {
            $0.key != "FIELDSYNC_SERVER_DATA" && $0.key != "FIELDSYNC_POSTGRES"
        }
        // Both start before either has created the schema: they race the migration on the empty database.
        let servers = try [0, 1].map { _ in
            try ServeProcess(
                ["--postgres", postgres, "--port", "0"], environment: serverEnvironment, in: sandbox.directory)
        }
        for server in servers { try await server.waitUntilListening() }
        let urls = servers.map(\.url)
        #expect(urls[0] != urls[1])

        // Staff are added while both run (admin commands work while the service runs).
        func admin(_ arguments: [String]) async throws -> String {
            let result = try await ChildProcess.run(
                try FieldSyncExecutable.serverURL(), arguments + ["--postgres", postgres],
                environment: serverEnvironment, in: sandbox.directory)
            try #require(result.exitCode == 0, "\(result)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var tokens: [String: String] = [:]
        for (id, role, branch) in ServerProcess.staff {
            _ = try await admin(["manager", "add", id, "--name", id.capitalized, "--branch", branch, "--role", role])
            tokens[id] = try await admin(["token", "issue", id])
        }

        let devices = [
            ("ana-1", "phone"), ("ana-2", "city"), ("ana-3", "email"), ("carla-1", "phone"), ("carla-2", "city"),
            ("bruno-1", "notes"),
        ].map { Device(name: $0.0, field: $0.1, replica: sandbox.path("\($0.0).db")) }
        let runner = Runner(environment: sandbox.environment(), directory: sandbox.directory)
        var generator = SeededGenerator(seed: Self.seed)
        for device in devices {
            let token = try #require(tokens[device.manager])
            let server = urls[Int.random(in: 0...1, using: &generator)]
            try await runner.succeed(
                ["init", "--manager", device.manager, "--server", server, "--token", token], on: device)
        }

        var book = Book()
        for round in 0..<Self.rounds {
            let plans = book.plans(devices, round: round, using: &generator)
            let outcomes = try await withThrowingTaskGroup(of: Outcome.self, returning: [Outcome].self) { group in
                for plan in plans {
                    let server = urls[plan.server]
                    group.addTask { try await runner.play(plan, through: server) }
                }
                var outcomes: [Outcome] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            book.record(outcomes, round: round)
        }

        // Settle: two more syncs each, still through either instance at random.
        for _ in 0..<2 {
            let picks = devices.map { ($0, urls[Int.random(in: 0...1, using: &generator)]) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (device, server) in picks {
                    group.addTask {
                        let report = try await runner.sync(device, through: server)
                        #expect(report["push"]?["sent"]?.int == 0, "\(device.name) had changes left: \(report)")
                    }
                }
                try await group.waitForAll()
            }
        }

        #expect(book.sent > 0 && book.accepted == book.sent, "sent \(book.sent), accepted \(book.accepted)")
        // Each contested field was written on two devices that had not seen each other's edit: one conflict each.
        #expect(
            book.conflicts == Int64(book.contested.count),
            "\(book.conflicts) conflicts recorded, \(book.contested.count) fields contested")
        for device in devices { try await check(device, against: book, runner) }

        for server in servers {
            let (status, log) = try await server.stop()
            #expect(status == 0, "\(log)")
        }
    }

    /// In sync with the service, nothing left unsent or rejected, and every accepted change in its scope present.
    private func check(_ device: Device, against book: Book, _ runner: Runner) async throws {
        let compared = try await runner.run(["digest", "--compare", "--json"], on: device)
        let inSync = (try? compared.json())?["in_sync"]
        #expect(compared.exitCode == 0 && inSync == .bool(true), "\(device.name): \(compared)")
        let status = try await runner.json(["status"], on: device)
        #expect(
            status["pending_changes"]?.int == 0 && status["rejected_changes"]?.int == 0, "\(device.name): \(status)")

        let held = try await runner.json(["record", "list", "customers"], on: device)
        let inScope = book.customers.filter { device.sees($0.owner) }.map(\.id)
        #expect(Set(held.ids) == Set(inScope), "\(device.name) holds \(held.ids.count) customers, not \(inScope.count)")
        for id in inScope {
            let record = held.element(withID: id)
            for (column, value) in book.expected[id] ?? [:] {
                #expect(record?[column]?.string == value, "\(device.name): customers \(id).\(column) is not \(value)")
            }
            if let values = book.contested[id] {
                let kept = record?["occupation"]?.string ?? "nil"
                #expect(values.contains(kept), "\(device.name): \(id) occupation \(kept), not one of \(values)")
            }
        }
        let logged = try await runner.json(["record", "list", "interactions"], on: device)
        let visible = book.visits.filter { device.sees($0.owner) }.map { $0.id }
        #expect(Set(logged.ids) == Set(visible), "\(device.name): \(logged.ids.count) visits, not \(visible.count)")
    }
}

/// One device's replica; `field` is the customers column it alone writes, so its last value must win.
private struct Device: Sendable {
    let name: String
    let field: String
    let replica: String
    var manager: String { String(name.prefix { $0 != "-" }) }
    /// Bruno supervises branch north, so he sees every customer of this test.
    func sees(_ owner: String) -> Bool { manager == "bruno" || manager == owner }
}

private struct Customer: Sendable {
    let id: String
    let owner: String
    let round: Int
    let creator: String
}

/// What one device does in a round: add a customer, edit, log a visit, sync through `server`.
private struct Plan: Sendable {
    let device: Device
    var server: Int
    let name: String
    let owner: String
    /// The customer visited; nil: the one added this round.
    let visit: Customer?
    var edits: [(id: String, assignment: String)] = []
}

private struct Outcome: Sendable {
    let plan: Plan
    let created: String
    let visit: String
    let report: JSON
}

/// What the devices did, and so what every replica must end up holding.
private struct Book {
    var customers: [Customer] = []
    /// Customer id → column → the value it must end with.
    var expected: [String: [String: String]] = [:]
    /// Customer id → the two occupations written in the same round (either may win).
    var contested: [String: Set<String>] = [:]
    var visits: [(id: String, owner: String)] = []
    var sent: Int64 = 0
    var accepted: Int64 = 0
    var conflicts: Int64 = 0

    /// A device edits only customers it must hold by now: its own from earlier rounds, or any in its
    /// scope from two rounds back (every device synced after their creator pushed them).
    mutating func plans(_ devices: [Device], round: Int, using generator: inout SeededGenerator) -> [Plan] {
        var plans: [Plan] = []
        for device in devices {
            let eligible = customers.filter {
                device.sees($0.owner) && ($0.round <= round - 2 || ($0.creator == device.name && $0.round < round))
            }
            let owner = device.manager == "bruno" ? ["ana", "carla"].randomElement(using: &generator)! : device.manager
            var plan = Plan(
                device: device, server: Int.random(in: 0...1, using: &generator),
                name: "Customer r\(round) \(device.name)", owner: owner,
                visit: eligible.randomElement(using: &generator))
            for customer in eligible.shuffled(using: &generator).prefix(2) {
                let value = "r\(round).\(device.name).\(device.field)"
                plan.edits.append((customer.id, "\(device.field)=\(value)"))
                expected[customer.id, default: [:]][device.field] = value
            }
            plans.append(plan)
        }
        // One customer's occupation edited on two devices that push through different instances.
        let candidates = customers.filter { $0.round <= round - 2 && contested[$0.id] == nil }
        if let customer = candidates.randomElement(using: &generator) {
            let seeing = plans.indices.filter { plans[$0].device.sees(customer.owner) }
            let pair = Array(seeing.shuffled(using: &generator).prefix(2))
            var values: Set<String> = []
            for (position, index) in pair.enumerated() {
                let value = "r\(round).\(plans[index].device.name).contested"
                plans[index].edits.append((customer.id, "occupation=\(value)"))
                plans[index].server = (plans[pair[0]].server + position) % 2
                values.insert(value)
            }
            contested[customer.id] = values
            expected[customer.id]?["occupation"] = nil
        }
        return plans
    }

    mutating func record(_ outcomes: [Outcome], round: Int) {
        for outcome in outcomes {
            let plan = outcome.plan
            customers.append(Customer(id: outcome.created, owner: plan.owner, round: round, creator: plan.device.name))
            expected[outcome.created, default: [:]].merge(
                ["full_name": plan.name, "owner": plan.owner, "occupation": "unknown"]) { _, new in new }
            visits.append((outcome.visit, plan.visit?.owner ?? plan.owner))
            sent += outcome.report["push"]?["sent"]?.int ?? 0
            accepted += outcome.report["push"]?["accepted"]?.int ?? 0
            conflicts += outcome.report["push"]?["conflicts_recorded"]?.int ?? 0
        }
    }
}

/// Runs `fieldsync` for a device; Sendable, unlike Sandbox, so child tasks can use it.
private struct Runner: Sendable {
    let environment: [String: String]
    let directory: URL

    func run(_ arguments: [String], on device: Device) async throws -> ProcessResult {
        try await ChildProcess.run(
            try FieldSyncExecutable.url(), arguments + ["--replica", device.replica], environment: environment,
            in: directory)
    }

    /// Like `run`, and it must exit 0; returns standard output, trimmed.
    @discardableResult
    func succeed(_ arguments: [String], on device: Device) async throws -> String {
        let result = try await run(arguments, on: device)
        try #require(result.exitCode == 0, "\(device.name): \(result)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func json(_ arguments: [String], on device: Device) async throws -> JSON {
        let output = try await succeed(arguments + ["--json"], on: device)
        return try JSON.parse(output, what: "\(arguments) on \(device.name)")
    }

    /// Points the device at `server` and syncs: no error, nothing rejected, every change sent accepted.
    func sync(_ device: Device, through server: String) async throws -> JSON {
        try await succeed(["config", "set", "server", server], on: device)
        let report = try await json(["sync"], on: device)
        let push = report["push"]
        #expect(
            push?["rejected"]?.int == 0 && push?["still_ahead"]?.int == 0 && push?["sent"]?.int != nil
                && push?["sent"] == push?["accepted"], "\(device.name) through \(server): \(report)")
        return report
    }

    func play(_ plan: Plan, through server: String) async throws -> Outcome {
        let device = plan.device
        let created = try await succeed(
            ["customer", "add", plan.name, "occupation=unknown", "--owner", plan.owner], on: device)
        try #require(isRecordID(created), "customer add printed \(created), not an id")
        for edit in plan.edits { try await succeed(["customer", "edit", edit.id, edit.assignment], on: device) }
        let visit = try await succeed(
            ["visit", "log", plan.visit?.id ?? created, "--channel", "call", "--summary", plan.name], on: device)
        try #require(isRecordID(visit), "visit log printed \(visit), not an id")
        let report = try await sync(device, through: server)
        return Outcome(plan: plan, created: created, visit: visit, report: report)
    }
}

/// A fresh database on the PostgreSQL server the test run was given, created and dropped with psql.
private struct TestDatabase {
    static let psql = URL(fileURLWithPath: "/usr/bin/psql")
    let admin: String
    let name: String
    let url: String
    let directory: URL

    init(admin: String, in directory: URL) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.psql.path), "this test needs /usr/bin/psql")
        var components = try #require(URLComponents(string: admin), "FIELDSYNC_TEST_POSTGRES is not a URL: \(admin)")
        let name = "fieldsync_multi_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        components.path = "/" + name
        url = try #require(components.string)
        self.admin = admin
        self.name = name
        self.directory = directory
        let created = try await run("CREATE DATABASE \(name)")
        try #require(created.exitCode == 0, "\(created)")
    }

    func run(_ sql: String) async throws -> ProcessResult {
        try await ChildProcess.run(
            Self.psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", admin, "-c", sql],
            environment: ProcessInfo.processInfo.environment, in: directory)
    }

    /// Best effort: a failed drop leaves a database behind, not a failed test.
    func drop() async {
        _ = try? await run("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}
