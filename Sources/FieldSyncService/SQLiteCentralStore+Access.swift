import FieldSyncCore
import FieldSyncReplica
import GRDB

extension SQLiteCentralStore {
    public func authenticate(token: String) throws -> Manager {
        let row = try replica.read { db in
            try Row.fetchOne(
                db,
                cached: """
                    SELECT m.id, m.name, m.branch, m.role FROM svc_tokens t JOIN svc_managers m ON m.id = t.manager
                    WHERE t.hash = ? AND t.revoked_at IS NULL
                    """, arguments: [AccessToken.hash(token)])
        }
        guard let row, let manager = Self.manager(from: row) else {
            throw ServiceError(
                .unauthorized, "the token is not valid (unknown or revoked); ask your administrator for a new one")
        }
        return manager
    }

    public func addManager(_ manager: Manager) throws {
        try ManagerRules.check(manager)
        try replica.writeTransaction { db in
            try db.execute(
                sql:
                    "INSERT INTO svc_managers(id, name, branch, role, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [manager.id, manager.name, manager.branch, manager.role.rawValue, Int64(now())])
            guard db.changesCount == 1 else {
                throw ServiceError(
                    .managerExists, "there is a manager \(manager.id) already; see `fieldsync-server manager list`")
            }
        }
        logger.info("manager added", metadata: ["manager": "\(manager.id)", "role": "\(manager.role.rawValue)"])
    }

    public func managers() throws -> [ManagerRecord] {
        try replica.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT m.id, m.name, m.branch, m.role, m.last_sync_at,
                      (SELECT count(*) FROM svc_tokens t WHERE t.manager = m.id AND t.revoked_at IS NULL) AS tokens
                    FROM svc_managers m ORDER BY m.branch, m.id
                    """
            ).compactMap { row in
                Self.manager(from: row).map {
                    ManagerRecord(
                        manager: $0, activeTokens: row["tokens"],
                        lastSyncMillis: (row["last_sync_at"] as Int64?).map(UInt64.init))
                }
            }
        }
    }

    public func issueToken(for managerID: String) throws -> String {
        let token = AccessToken.generate(using: &random)
        try replica.writeTransaction { db in
            try requireManager(db, managerID)
            try db.execute(
                sql: "INSERT INTO svc_tokens(hash, manager, hint, issued_at) VALUES (?, ?, ?, ?)",
                arguments: [AccessToken.hash(token), managerID, AccessToken.hint(token), Int64(now())])
        }
        logger.info("token issued", metadata: ["manager": "\(managerID)"])
        return token
    }

    public func revokeTokens(_ managerOrToken: String) throws -> Int {
        let target = try AccessToken.revocationTarget(managerOrToken)
        let revoked = try replica.writeTransaction { db -> Int in
            switch target {
            case .token(let hash):
                try db.execute(
                    sql: "UPDATE svc_tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL",
                    arguments: [Int64(now()), hash])
                guard db.changesCount == 1 else {
                    throw ServiceError(.badArgument, "no active token matches; it may be revoked already")
                }
                return 1
            case .hint(let hint):
                // More than one revoked throws, which rolls them back.
                try db.execute(
                    sql: "UPDATE svc_tokens SET revoked_at = ? WHERE hint = ? AND revoked_at IS NULL",
                    arguments: [Int64(now()), hint])
                try AccessToken.checkHintMatches(db.changesCount, hint)
                return 1
            case .manager(let id):
                try requireManager(db, id)
                try db.execute(
                    sql: "UPDATE svc_tokens SET revoked_at = ? WHERE manager = ? AND revoked_at IS NULL",
                    arguments: [Int64(now()), id])
                return db.changesCount
            }
        }
        logger.info("tokens revoked", metadata: ["count": "\(revoked)"])
        return revoked
    }

    public func tokens(of managerID: String?) throws -> [TokenRecord] {
        try replica.read { db in
            var sql = "SELECT manager, hint, issued_at, revoked_at FROM svc_tokens"
            var arguments = StatementArguments()
            if let managerID {
                try requireManager(db, managerID)
                sql += " WHERE manager = ?"
                arguments = [managerID]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY manager, issued_at", arguments: arguments).map { row in
                TokenRecord(
                    manager: row["manager"], hint: row["hint"], issuedAtMillis: UInt64(row["issued_at"] as Int64),
                    revokedAtMillis: (row["revoked_at"] as Int64?).map(UInt64.init))
            }
        }
    }

    /// Notes that a manager synced (pushed, or finished a pull), for the branch report.
    func noteSync(_ db: Database, of manager: Manager, at millis: UInt64) throws {
        try db.execute(
            cached: "UPDATE svc_managers SET last_sync_at = ? WHERE id = ?", arguments: [Int64(millis), manager.id])
        syncNotes.note(manager.id, at: millis)
    }

    @discardableResult
    func requireManager(_ db: Database, _ id: String) throws -> Manager {
        guard
            let row = try Row.fetchOne(
                db, cached: "SELECT id, name, branch, role FROM svc_managers WHERE id = ?", arguments: [id]),
            let manager = Self.manager(from: row)
        else {
            throw ServiceError.unknownManager(id)
        }
        return manager
    }

    static func manager(from row: Row) -> Manager? {
        guard let role = Manager.Role(rawValue: row["role"]) else { return nil }
        return Manager(id: row["id"], name: row["name"], branch: row["branch"], role: role)
    }
}
