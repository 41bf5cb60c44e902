import FieldSyncProtocol
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file the command line writes that holds customers' data (a change
/// file): readable and writable by its owner only, like the replica, and
/// there whole or not at all (written beside it, then moved into place).
/// Plain renames only, so it works on a USB stick's FAT as on any disk.
enum PrivateFile {
    /// Writes `data` to `path`. An existing file is replaced only when
    /// `replacing`; none of `protected` (the replica's files) ever is.
    static func write(_ data: Data, to path: String, replacing: Bool, protected: [String]) throws {
        if let target = identity(of: path), protected.contains(where: { identity(of: $0) == target }) {
            throw WireError(
                code: .io, message: "\(path) is one of this replica's own files; choose another file to write")
        }
        let temporary = "\(path).\(UUID().uuidString).part"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure(path, String(cString: strerror(errno))) }
        defer { unlink(temporary) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            throw failure(path, error.localizedDescription)
        }
        if !replacing {
            // Takes the name, or finds it taken (even by a link, or a file made a moment ago).
            let claim = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard claim >= 0 else {
                if errno == EEXIST {
                    throw WireError(
                        code: .io, message: "\(path) already exists; choose another file, or replace it with --force")
                }
                throw failure(path, String(cString: strerror(errno)))
            }
            close(claim)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            if !replacing { unlink(path) }
            throw failure(path, reason)
        }
    }

    /// The file `path` names (following links), if it exists: the same for every name of one file.
    private static func identity(of path: String) -> [UInt64]? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return [UInt64(truncatingIfNeeded: status.st_dev), UInt64(truncatingIfNeeded: status.st_ino)]
    }

    private static func failure(_ path: String, _ reason: String) -> WireError {
        WireError(code: .io, message: "cannot write \(path): \(reason)")
    }
}
