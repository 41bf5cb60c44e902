import FieldSyncPostgres
import Logging
import PostgresNIO
import Testing

/// The PostgreSQL store runs its frequent reads as prepared statements,
/// through one PostgresNIO statement type whose name and text come from the
/// running task (`PostgresConnection.forEachPreparedRow`).
@Suite("PostgreSQL: prepared statements")
struct PreparedStatementTests {
    @Test("each text gets one name for good, and none past the limit")
    func names() {
        let names = PreparedStatementNames(limit: 2)
        let first = names.name(for: "SELECT 1")
        let second = names.name(for: "SELECT 2")
        #expect(first != nil && second != nil && first != second)
        #expect(names.name(for: "SELECT 1") == first)
        #expect(names.name(for: "SELECT 3") == nil)
        #expect(names.name(for: "SELECT 2") == second)
    }

    @Test("a statement is prepared once per connection and then bound afresh: each run answers for its own arguments")
    func preparedOncePerConnection() async throws {
        try await ScratchDatabase.using { database in
            let logger = TestServer.quiet
            try await database.withConnection { connection in
                let doubled = PostgresStatement(
                    "SELECT ?::bigint * 2 AS twice, ?::text AS label", [.integer(21), .null])
                let again = PostgresStatement(
                    "SELECT ?::bigint * 2 AS twice, ?::text AS label", [.integer(5), .text("five")])
                let first = try await connection.rows(doubled, prepared: true, logger: logger)
                let second = try await connection.rows(again, prepared: true, logger: logger)
                #expect(try first.map { try $0["twice"].decode(Int64.self) } == [42])
                #expect(try first.map { try $0["label"].decode(String?.self) } == [nil])
                #expect(try second.map { try $0["twice"].decode(Int64.self) } == [10])
                #expect(try second.map { try $0["label"].decode(String?.self) } == ["five"])
                let prepared = try await connection.rows(
                    PostgresStatement("SELECT statement FROM pg_prepared_statements"), logger: logger
                ).map { try $0["statement"].decode(String.self) }
                #expect(prepared == ["SELECT $1::bigint * 2 AS twice, $2::text AS label"])
            }
        }
    }
}
