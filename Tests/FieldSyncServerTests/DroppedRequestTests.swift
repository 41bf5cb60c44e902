import FieldSyncProtocol
import FieldSyncServer
import FieldSyncService
import FieldSyncTestSupport
import Testing

/// A device on a flaky mobile link hangs up halfway through a push: that is
/// the client's doing, so the service neither answers nor counts it as
/// failing itself (a 500 `internal` would page its operators for nothing).
@Suite("Requests cut off")
struct DroppedRequestTests {
    @Test("a push whose connection drops halfway through its body is a 400, and nothing is logged as an error")
    func pushCutOff() async throws {
        let directory = TemporaryDirectory()
        let store = try SQLiteCentralStore(path: directory.file("central.db"), logger: TestServer.quiet)
        try await store.addManager(Staff.ana)
        let token = try await store.issueToken(for: Staff.ana.id)
        let log = RecordedLog()
        try await running({ onRunning in
            SyncServer.application(
                store: store, configuration: ServerConfiguration(host: "127.0.0.1", port: 0),
                metrics: ServiceMetrics(), logger: log.logger, onRunning: onRunning)
        }) { port, _ in
            let client = try RawConnection(port: port)
            client.send(
                "POST \(SyncAPI.push) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
                    + "\(SyncAPI.schemaVersionHeader): 1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1000\r\n\r\n{\"format\":\"fieldsync-push\",")
            client.close()
            for _ in 0..<200 where !log.entries.contains(where: { $0.hasPrefix("info request") }) {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let requests = log.entries.filter { $0.hasPrefix("info request") }
        #expect(requests.count == 1 && requests.allSatisfy { $0.contains("status=400") }, "\(requests)")
        #expect(!log.entries.contains { $0.hasPrefix("error") }, "\(log.entries)")
        await store.close()
    }
}
