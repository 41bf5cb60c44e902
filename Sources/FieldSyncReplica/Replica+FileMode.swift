import Foundation

extension Replica {
    /// The files of the replica at `path`: its database (links followed)
    /// and, beside it, SQLite's log, shared memory and journal.
    public static func files(at path: String) -> [String] {
        let database = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        return ["", "-wal", "-shm", "-journal"].map { database + $0 }
    }

    /// Takes group and other users' access away from a replica's files,
    /// which hold customers' data and the access token: mode 0600, as new
    /// replicas are made. Replicas made before that, or copied, are closed
    /// this way when next opened. Best effort: a file this user may not
    /// change keeps its mode, and opening goes on.
    static func restrictToOwner(_ path: String) {
        for file in files(at: path) {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
                let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o177 != 0
            else { continue }
            try? FileManager.default.setAttributes([.posixPermissions: mode & 0o600], ofItemAtPath: file)
        }
    }
}
