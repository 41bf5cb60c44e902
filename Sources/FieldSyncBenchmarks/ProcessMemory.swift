#if canImport(Glibc)
import Glibc
#endif

/// The process's peak resident set size so far, in bytes.
public enum ProcessMemory {
    public static func peakResidentBytes() -> UInt64 {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return UInt64(usage.ru_maxrss) * 1024  // kilobytes on Linux
    }
}

/// Monotonic seconds, for timing phases.
public enum MonotonicClock {
    public static func seconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }
}
