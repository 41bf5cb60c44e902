import Foundation
import Testing

/// The benchmarks at toy sizes: that they run end to end and check what they
/// claim to check. Their timings are not tested (shared, noisy machines):
/// `scripts/bench.sh` prints those beside their baselines.
@Suite("fieldsync-bench end to end")
struct BenchmarkTests {
    /// Exit 3 means a target was missed, which at toy sizes says nothing.
    func bench(_ arguments: [String], in sandbox: Sandbox) async throws -> JSON {
        let result = try await ChildProcess.run(
            try FieldSyncExecutable.benchURL(), arguments + ["--json", "--directory", sandbox.path("bench")],
            environment: sandbox.environment(), in: sandbox.directory, timeout: 300)
        #expect(result.exitCode == 0 || result.exitCode == 3, "\(result)")
        return try result.json()
    }

    /// What tells a benchmark to run on `store`, which it names in its result.
    func arguments(for store: String) throws -> [String] {
        guard store == "postgres" else { return [] }
        let url = try #require(
            ProcessInfo.processInfo.environment["FIELDSYNC_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 },
            "set FIELDSYNC_TEST_POSTGRES or run scripts/test.sh, which starts a throwaway PostgreSQL")
        return ["--postgres", url]
    }

    @Test(
        "initial-sync: the real client pulls every field of the book, at two sizes, and measures it",
        arguments: ["sqlite", "postgres"])
    func initialSync(store: String) async throws {
        let sandbox = try Sandbox()
        let result = try await bench(
            ["initial-sync", "--customers", "40", "--interactions", "160"] + arguments(for: store), in: sandbox)
        #expect(result["benchmark"] == "initial-sync")
        #expect(result["store"]?.string == store)
        let runs = try #require(result["runs"]?.array)
        try #require(runs.count == 2)
        // A quarter of the book, then all of it: 20 fields per customer, 13 per interaction.
        #expect(runs[0]["fields"]?.int == Int64(10 * 20 + 40 * 13))
        #expect(runs[1]["fields"]?.int == Int64(40 * 20 + 160 * 13))
        #expect(runs[1]["rows"]?.int == 200)
        for run in runs {
            #expect((run["wire_bytes"]?.int ?? 0) > 0)
            #expect((run["client_peak_rss_bytes"]?.int ?? 0) > 0)
            #expect((run["server_peak_rss_bytes"]?.int ?? 0) > 0)
        }
        #expect(result["figures"]?.array?.isEmpty == false)
    }

    @Test(
        "load: managers visit and sync at once; nothing is lost and every device ends in sync",
        arguments: ["sqlite", "postgres"])
    func load(store: String) async throws {
        let sandbox = try Sandbox()
        let result = try await bench(
            ["load", "--managers", "3", "--seconds", "1", "--customers-per-manager", "4"] + arguments(for: store),
            in: sandbox)
        #expect(result["benchmark"] == "load")
        #expect(result["store"]?.string == store)
        #expect((result["visits"]?.int ?? 0) > 0)
        #expect((result["push"]?["count"]?.int ?? 0) > 0)
        #expect(result["lost"]?.int == 0)
        #expect(result["errors"]?.int == 0)
        #expect((result["health"]?["latency"]?["count"]?.int ?? 0) > 0)
        // Where the CPU went while the load ran: the devices' (this process) and the server's own.
        #expect((result["cpu"]?["devices_ms_per_visit"]?.number ?? 0) > 0)
        #expect((result["cpu"]?["server_ms_per_visit"]?.number ?? 0) > 0)
        #expect((result["cpu"]?["cores"]?.int ?? 0) > 0)
    }

    @Test("measure passes a stop on to the program it runs, which starts with no signal blocked")
    func measurePassesStopsOn() async throws {
        let sandbox = try Sandbox()
        let figures = sandbox.path("sleep.figures")
        let errors = sandbox.path("measure.err")
        // Not a Swift program: Swift's runtime unblocks signals on its main thread, which would hide a
        // mask inherited from the wrapper's thread (its cooperative pool's threads block most signals).
        // It must outlive any wait of this test: in the full suite on two cores, the test's task was
        // not resumed for 110 s after it started the wrapper, and a program of 60 s had ended by then.
        let wrapper = try SpawnedProcess(
            try FieldSyncExecutable.benchURL().path, ["measure", "--figures", figures, "--", "/usr/bin/sleep", "3600"],
            environment: sandbox.environment(), standardError: errors)
        // The wrapper's child, found by its parent process id (field 4 of /proc/PID/stat, after the name).
        func program() -> pid_t? {
            let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return processes.lazy.compactMap { pid_t($0) }.first { pid in
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                    let end = stat.lastIndex(of: ")")
                else { return false }
                let fields = stat[stat.index(after: end)...].split(separator: " ")
                return fields.count > 1 && pid_t(fields[1]) == wrapper.pid
            }
        }
        func waitFor(_ condition: () -> Bool, seconds: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        }
        try await waitFor({ program() != nil || !wrapper.isRunning }, seconds: 600)
        guard let sleeper = program() else {
            let ended = wrapper.termination
            if ended == nil { wrapper.signal(SIGKILL) }
            Issue.record(
                """
                the program did not start: the wrapper \(ended.map { "ended: \($0)" } ?? "still ran"), \
                its standard error: \((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "none")
                """)
            return
        }
        wrapper.signal(SIGTERM)
        try await waitFor({ !wrapper.isRunning }, seconds: 60)
        if wrapper.isRunning {
            kill(sleeper, SIGKILL)
            wrapper.signal(SIGKILL)
            Issue.record("the stop did not reach the program within 60 s")
        }
        let termination = await wrapper.waitUntilExit()
        #expect(termination == .exited(status: 128 + SIGTERM))
        #expect(try String(contentsOfFile: figures, encoding: .utf8).hasPrefix("\(128 + SIGTERM) "))
    }

    @Test("table: one line per figure of every result, whether its target was met")
    func table() async throws {
        let sandbox = try Sandbox()
        let results = sandbox.path("results.jsonl")
        let line =
            #"{"benchmark":"load","store":"sqlite","figures":[{"name":"pushes","value":"10 pushes/s","target":">= 3,000 pushes/s","met":false},{"name":"lost","value":"0","target":"0","met":true}]}"#
        try (line + "\n").write(toFile: results, atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run(
            try FieldSyncExecutable.benchURL(), ["table", results], environment: sandbox.environment(),
            in: sandbox.directory)
        #expect(result.succeeded, "\(result)")
        #expect(result.lines.count == 3)
        #expect(result.lines[1].hasPrefix("load (sqlite)  pushes"))
        #expect(result.lines[1].hasSuffix("NO"))
        #expect(result.lines[2].hasSuffix("yes"))
    }
}
