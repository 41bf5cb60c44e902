import FieldSyncCore
import FieldSyncService
import Foundation
import PostgresNIO

extension PostgresCentralStore {
    public func authenticate(token: String) async throws -> Manager {
        let manager = try await statement { connection in
            try await connection.rows(
                """
                SELECT m.id, m.name, m.branch, m.role FROM svc_tokens t JOIN svc_managers m ON m.id = t.manager
                WHERE t.hash = ? AND t.revoked_at IS NULL
                """, [.bytes(Array(AccessToken.hash(token)))], prepared: true, logger: logger
            ).first.flatMap(Self.manager(from:))
        }
        guard let manager else {
            throw ServiceError(
                .unauthorized, "the token is not valid (unknown or revoked); ask your administrator for a new one")
        }
        return manager
    }

    public func addManager(_ manager: Manager) async throws {
        try ManagerRules.check(manager)
        let added = try await transaction { connection in
            try await connection.run(
                """
                INSERT INTO svc_managers(id, name, branch, role, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING RETURNING 1
                """,
                [
                    .text(manager.id), .text(manager.name), .text(manager.branch), .text(manager.role.rawValue),
                    .integer(Int64(now())),
                ],
                logger: logger)
        }
        guard added == 1 else {
            throw ServiceError(
                .managerExists, "there is a manager \(manager.id) already; see `fieldsync-server manager list`")
        }
        logger.info("manager added", metadata: ["manager": "\(manager.id)", "role": "\(manager.role.rawValue)"])
    }

    public func managers() async throws -> [ManagerRecord] {
        try await transaction(readOnly: true) { connection in
            try await connection.rows(
                """
                SELECT m.id, m.name, m.branch, m.role, m.last_sync_at,
                  (SELECT count(*) FROM svc_tokens t WHERE t.manager = m.id AND t.revoked_at IS NULL) AS tokens
                FROM svc_managers m ORDER BY m.branch, m.id
                """, logger: logger
            ).compactMap { row in
                guard let manager = Self.manager(from: row) else { return nil }
                return ManagerRecord(
                    manager: manager, activeTokens: Int(try row.integer("tokens")),
                    lastSyncMillis: try row.optionalInteger("last_sync_at").map(UInt64.init))
            }
        }
    }

    public func issueToken(for managerID: String) async throws -> String {
        let token = random.withLock { AccessToken.generate(using: &$0) }
        try await transaction { connection in
            try await requireManager(connection, managerID)
            try await connection.run(
                "INSERT INTO svc_tokens(hash, manager, hint, issued_at) VALUES (?, ?, ?, ?)",
                [
                    .bytes(Array(AccessToken.hash(token))), .text(managerID), .text(AccessToken.hint(token)),
                    .integer(Int64(now())),
                ],
                logger: logger)
        }
        logger.info("token issued", metadata: ["manager": "\(managerID)"])
        return token
    }

    public func revokeTokens(_ managerOrToken: String) async throws -> Int {
        let target = try AccessToken.revocationTarget(managerOrToken)
        let revoked = try await transaction { connection -> Int in
            switch target {
            case .token(let hash):
                let count = try await connection.run(
                    "UPDATE svc_tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL RETURNING 1",
                    [.integer(Int64(now())), .bytes(Array(hash))], logger: logger)
                guard count == 1 else {
                    throw ServiceError(.badArgument, "no active token matches; it may be revoked already")
                }
                return 1
            case .hint(let hint):
                // More than one revoked throws, which rolls them back.
                try AccessToken.checkHintMatches(
                    try await connection.run(
                        "UPDATE svc_tokens SET revoked_at = ? WHERE hint = ? AND revoked_at IS NULL RETURNING 1",
                        [.integer(Int64(now())), .text(hint)], logger: logger), hint)
                return 1
            case .manager(let id):
                try await requireManager(connection, id)
                return try await connection.run(
                    "UPDATE svc_tokens SET revoked_at = ? WHERE manager = ? AND revoked_at IS NULL RETURNING 1",
                    [.integer(Int64(now())), .text(id)], logger: logger)
            }
        }
        logger.info("tokens revoked", metadata: ["count": "\(revoked)"])
        return revoked
    }

    public func tokens(of managerID: String?) async throws -> [TokenRecord] {
        try await transaction(readOnly: true) { connection in
            var statement = PostgresStatement("SELECT manager, hint, issued_at, revoked_at FROM svc_tokens")
            if let managerID {
                try await requireManager(connection, managerID)
                statement.sql += " WHERE manager = ?"
                statement.arguments = [.text(managerID)]
            }
            statement.sql += " ORDER BY manager, issued_at"
            return try await connection.rows(statement, logger: logger).map { row in
                TokenRecord(
                    manager: try row.text("manager"), hint: try row.text("hint"),
                    issuedAtMillis: UInt64(try row.integer("issued_at")),
                    revokedAtMillis: try row.optionalInteger("revoked_at").map(UInt64.init))
            }
        }
    }

    @discardableResult
    func requireManager(_ connection: PostgresConnection, _ id: String) async throws -> Manager {
        guard
            let manager = try await connection.rows(
                "SELECT id, name, branch, role FROM svc_managers WHERE id = ?", [.text(id)], logger: logger
            ).first.flatMap(Self.manager(from:))
        else {
            throw ServiceError.unknownManager(id)
        }
        return manager
    }

    static func manager(from row: PostgresRandomAccessRow) -> Manager? {
        guard let role = (try? row.text("role")).flatMap(Manager.Role.init(rawValue:)),
            let id = try? row.text("id"), let name = try? row.text("name"), let branch = try? row.text("branch")
        else { return nil }
        return Manager(id: id, name: name, branch: branch, role: role)
    }
}
