import Foundation

extension Replica {
    /// Takes group and other users' access away from a replica's files (the
    /// database, its WAL and shared-memory files), which hold customers' data
    /// and the access token. Replicas created before files were made 0600
    /// are closed this way when next opened. Best effort: a file this user
    /// may not change keeps its mode, and opening goes on.
    static func restrictToOwner(_ path: String) {
        for file in [path, path + "-wal", path + "-shm"] {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
                let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0
            else { continue }
            try? FileManager.default.setAttributes([.posixPermissions: mode & 0o700], ofItemAtPath: file)
        }
    }
}
