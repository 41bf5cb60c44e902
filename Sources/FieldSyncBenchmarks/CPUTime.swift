import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// CPU time as Linux counts it, to split a load run's CPU between the
/// simulated devices (this process), the server, and the machine as a whole.
struct CPUTime: Sendable {
    /// User plus system seconds of this process: the simulated devices and their HTTP.
    var devices: Double
    /// The same of the server process; nil if it could not be read.
    var server: Double?
    /// Seconds the machine's CPUs were busy (every process, PostgreSQL and other tenants included) and in all.
    var machine: (busy: Double, total: Double)?

    static func now(server: pid_t?) -> CPUTime {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return CPUTime(
            devices: seconds(usage.ru_utime) + seconds(usage.ru_stime), server: server.flatMap(seconds(ofProcess:)),
            machine: machineSeconds())
    }

    /// What was used from `start` to this sample, per visit made in between.
    func since(_ start: CPUTime, visits: Int) -> LoadCPU {
        let perVisit = { (seconds: Double) in seconds * 1_000 / Double(max(visits, 1)) }
        var busyCores: Double?
        if let end = machine, let begin = start.machine, end.total > begin.total {
            busyCores = (end.busy - begin.busy) / (end.total - begin.total) * Double(ProcessInfo.processInfo.activeProcessorCount)
        }
        return LoadCPU(
            devicesMillisPerVisit: perVisit(devices - start.devices),
            serverMillisPerVisit: server.flatMap { end in start.server.map { perVisit(end - $0) } },
            machineBusyCores: busyCores, cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    private static func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }

    private static var tick: Double { Double(sysconf(Int32(_SC_CLK_TCK))) }

    /// User plus system seconds process `pid` has used (`/proc/PID/stat`), or nil once it is gone.
    private static func seconds(ofProcess pid: pid_t) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let name = stat.lastIndex(of: ")")
        else { return nil }
        // After the command's name: the state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: name)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / tick
    }

    /// The first line of `/proc/stat`: busy is everything but idle and I/O wait.
    private static func machineSeconds() -> (busy: Double, total: Double)? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return nil }
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        let ticks = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
        guard ticks.count == 8 else { return nil }
        let total = ticks.reduce(0, +)
        return ((total - ticks[3] - ticks[4]) / tick, total / tick)
    }
}

/// Where a load run's CPU went: whether the machine, not the service, was the limit.
public struct LoadCPU: Codable, Sendable {
    public var devicesMillisPerVisit: Double
    /// fieldsync-server's own (PostgreSQL's backends are in the machine's figure).
    public var serverMillisPerVisit: Double?
    public var machineBusyCores: Double?
    public var cores: Int

    enum CodingKeys: String, CodingKey {
        case devicesMillisPerVisit = "devices_ms_per_visit"
        case serverMillisPerVisit = "server_ms_per_visit"
        case machineBusyCores = "machine_busy_cores"
        case cores
    }
}
