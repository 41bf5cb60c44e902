import FieldSyncPostgres
import FieldSyncService
import Testing

@Suite("PostgreSQL URLs: read as libpq reads them, never shown with their password")
struct PostgresURLTests {
    @Test(
        "a URL is shown without its password, even one that does not parse",
        arguments: [
            ("postgres://fs:s3cret@db.example.test/branch", "postgres://fs:***@db.example.test/branch"),
            ("postgres://fs:p#ss%word@db.example.test/branch", "postgres://***@db.example.test/branch"),
            ("postgres://fs:p#ss@db.example.test/branch", "postgres://***@db.example.test/branch"),
            ("postgres://fs@db.example.test/branch", "postgres://fs@db.example.test/branch"),
        ])
    func redacted(url: String, shown: String) {
        #expect(PostgresURL.redacted(url) == shown)
    }

    @Test("a URL that does not parse is refused without showing its password")
    func unreadableURL() {
        #expect {
            try PostgresURL.configuration("postgres://fs:p#ss%word@db.example.test/branch")
        } throws: { error in
            let message = String(describing: error)
            return message.contains("postgres://***@db.example.test/branch") && !message.contains("p#ss")
        }
    }
}
