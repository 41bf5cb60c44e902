import FieldSyncProtocol
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A file the command line writes that holds customers' data (a change
/// file): readable and writable by its owner only, like the replica, and
/// there whole or not at all (written beside it, then moved into place).
enum PrivateFile {
    /// Writes `data` to `path`. An existing file is replaced only when
    /// `replacing`; `protected` (the replica's own file) never is.
    static func write(_ data: Data, to path: String, replacing: Bool, protected: String) throws {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard target != URL(fileURLWithPath: protected).resolvingSymlinksInPath().path else {
            throw WireError(code: .io, message: "\(path) is this replica's own file; choose another file to write")
        }
        let temporary = "\(target).\(UUID().uuidString).part"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure(path, errno) }
        defer { unlink(temporary) }
        let complete = data.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
            return fsync(descriptor) == 0
        }
        let writeError = errno
        guard close(descriptor) == 0, complete else { throw failure(path, complete ? errno : writeError) }
        if replacing {
            guard rename(temporary, target) == 0 else { throw failure(path, errno) }
        } else {
            // A hard link, unlike a rename, fails when the name is taken, even by a file made a moment ago.
            guard link(temporary, target) == 0 else {
                if errno == EEXIST {
                    throw WireError(
                        code: .io,
                        message:
                            "\(path) already exists and is not a change file; choose another file, or replace it with --force"
                    )
                }
                throw failure(path, errno)
            }
        }
    }

    private static func failure(_ path: String, _ code: Int32) -> WireError {
        WireError(code: .io, message: "cannot write \(path): \(String(cString: strerror(code)))")
    }
}
