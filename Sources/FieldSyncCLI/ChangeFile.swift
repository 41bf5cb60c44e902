import FieldSyncProtocol
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Change files on disk. They hold customers' data: written readable and
/// writable by their owner only, like the replica, and there whole or not
/// at all (written beside, then moved into place), with plain renames only,
/// so that a USB stick's FAT works as any disk does.
enum ChangeFile {
    /// Writes `data` to `path`. An existing file is replaced only when
    /// `replacing`; none of `protected` (the replica's files) ever is.
    static func write(_ data: Data, to path: String, replacing: Bool, protected: [String]) throws {
        // By name (SQLite would take a file named like its journal for a stale one, and delete it)
        // and, for a file that exists, by device and inode (links, other spellings).
        let target = identity(of: path)
        if protected.contains(resolved(path)) || (target != nil && protected.contains { identity(of: $0) == target }) {
            throw WireError(
                code: .io, message: "\(path) is one of this replica's own files; choose another file to write")
        }
        if isDirectory(path) {
            throw WireError(code: .io, message: "\(path) is a directory; give the name of a file to write")
        }
        let temporary = "\(path).\(UUID().uuidString).part"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("write", path, String(cString: strerror(errno))) }
        defer { unlink(temporary) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            throw failure("write", path, error.localizedDescription)
        }
        if !replacing {
            // Takes the name, or finds it taken (even by a link, or a file made a moment ago).
            let claim = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard claim >= 0 else {
                if errno == EEXIST {
                    throw WireError(
                        code: .io, message: "\(path) already exists; choose another file, or replace it with --force")
                }
                throw failure("write", path, String(cString: strerror(errno)))
            }
            close(claim)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            if !replacing { unlink(path) }
            throw failure("write", path, reason)
        }
    }

    /// The file `path` names (following links), if it exists: the same for every name of one file.
    private static func identity(of path: String) -> [UInt64]? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return [UInt64(truncatingIfNeeded: status.st_dev), UInt64(truncatingIfNeeded: status.st_ino)]
    }

    /// The bytes of the file at `path`, or `io` in the system's own words.
    static func read(_ path: String) throws -> Data {
        guard !isDirectory(path) else { throw failure("read", path, "it is a directory") }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw failure("read", path, String(cString: strerror(errno)))
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw failure("read", path, error.localizedDescription)
        }
    }

    /// `path` with its directory's links followed (the file itself need not exist).
    private static func resolved(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        return url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(url.lastPathComponent)
            .path
    }

    private static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    /// `io`: cannot read or write `path`, and why.
    private static func failure(_ doing: String, _ path: String, _ reason: String) -> WireError {
        WireError(code: .io, message: "cannot \(doing) \(path): \(reason)")
    }
}
