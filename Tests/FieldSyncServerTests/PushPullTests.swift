import FieldSyncCore
import FieldSyncProtocol
import FieldSyncTestSupport
import Foundation
import Testing

@Suite("Push and pull over HTTP")
struct PushPullTests {
    let ana = Writer(0xA, "ana")

    @Test("re-sending a push that was applied changes nothing")
    func idempotentRePush() async throws {
        try await withTestServer { server in
            let push = ana.push(
                ana.newCustomer(IDs.anna, name: "Anna", at: t0) + [ana.change(IDs.anna, "phone", .text("1"), at: t0)])
            let first = try await server.push(push).decode(PushResponse.self)
            #expect(first.accepted == 4 && first.rejected.isEmpty && first.conflicts == 0)
            let digest = try await server.request(.GET, "/v1/digest").decode(DigestResponse.self)
            let pulled = try await server.request(.GET, "/v1/pull").decode(PullResponse.self)
            for _ in 0..<3 {
                let again = try await server.push(push).decode(PushResponse.self)
                #expect(again.accepted == 4 && again.rejected.isEmpty && again.conflicts == 0)
            }
            #expect(try await server.request(.GET, "/v1/digest").decode(DigestResponse.self).digest == digest.digest)
            // Nothing new to pull after the first pull's cursor.
            let after = try await server.request(.GET, "/v1/pull?after=\(pulled.cursor)").decode(PullResponse.self)
            #expect(after.changeSet.isEmpty && !after.more)
        }
    }

    @Test(
        "a pull pages through many rows, each row once, in bounded pages; a limit above the largest is taken as the largest"
    )
    func manyPages() async throws {
        try await withTestServer { server in
            let count = 1_234
            var changes: [FieldChange] = []
            for number in 1...count { changes += ana.newCustomer(IDs.customer(number), name: "C\(number)", at: t0) }
            let pushed = try await server.push(ana.push(changes))
            try #require(pushed.status == 200, "\(pushed)")
            var cursor = PullCursor.start
            var seen: [String] = []
            var pages = 0
            while true {
                let page = try await server.request(.GET, "/v1/pull?after=\(cursor)&limit=100").decode(
                    PullResponse.self)
                pages += 1
                #expect(page.changeSet.rowRuns.count <= 100)
                seen += page.changeSet.rowRuns.map { page.changeSet.changes[$0.lowerBound].rowID }
                cursor = page.cursor
                if !page.more { break }
            }
            #expect(pages == 13)
            #expect(seen.count == count && Set(seen).count == count)
            #expect(cursor == PullCursor(seq: 1))
            // A larger limit than the largest, even one too large for a number, is taken as the largest.
            for limit in ["20000", "99999999999999999999999", "+99999999999999999999999"] {
                let whole = try await server.request(.GET, "/v1/pull?after=0&limit=\(limit)")
                try #require(whole.status == 200, "\(limit): \(whole)")
                let page = try whole.decode(PullResponse.self)
                #expect(page.changeSet.rowRuns.count == count && !page.more, "\(limit)")
            }
        }
    }

    @Test("a pull never skips a change committed while it pages")
    func concurrentPushDuringPull() async throws {
        try await withTestServer { server in
            var changes: [FieldChange] = []
            for number in 1...50 { changes += ana.newCustomer(IDs.customer(number), name: "C\(number)", at: t0) }
            _ = try await server.push(ana.push(changes))
            var cursor = PullCursor.start
            var received: [String: String] = [:]
            var round = 0
            while true {
                let page = try await server.request(.GET, "/v1/pull?after=\(cursor)&limit=20").decode(PullResponse.self)
                for change in page.changeSet.changes where change.column == "full_name" {
                    received[change.rowID] = change.value.textValue
                }
                cursor = page.cursor
                round += 1
                if round == 1 {
                    // Between pages: edit a row already delivered and add a new one.
                    _ = try await server.push(
                        ana.push(
                            [ana.change(IDs.customer(1), "full_name", .text("C1 renamed"), at: t0 + 5)]
                                + ana.newCustomer(IDs.customer(51), name: "C51", at: t0 + 5)))
                }
                if !page.more { break }
            }
            #expect(received.count == 51)
            #expect(received[IDs.customer(1)] == "C1 renamed")
            #expect(received[IDs.customer(51)] == "C51")
        }
    }

    @Test(
        "a change stamped beyond the clock bound is rejected with clock_skew and the server's time; the rest is taken")
    func clockSkew() async throws {
        try await withTestServer(clock: ManualWallClock(t0)) { server in
            let ahead = ana.change(IDs.anna, "phone", .text("future"), at: t0 + 10 * 60_000)
            let push = ana.push(ana.newCustomer(IDs.anna, name: "Anna", at: t0) + [ahead])
            let response = try await server.push(push).decode(PushResponse.self)
            #expect(response.accepted == 3)
            #expect(response.rejected.map(\.code) == [.clockSkew])
            #expect(response.rejected.first?.field == ahead.field)
            #expect(response.serverTimeMillis == t0)
            let page = try await server.request(.GET, "/v1/pull").decode(PullResponse.self)
            #expect(!page.changeSet.changes.contains { $0.column == "phone" })
        }
    }

    @Test("a change stamped by another replica than the pusher is rejected, the rest is taken")
    func wrongReplica() async throws {
        try await withTestServer { server in
            let other = Writer(0xB, "ben").change(IDs.bruno, "full_name", .text("B"), at: t0)
            let response = try await server.push(ana.push(ana.newCustomer(IDs.anna, name: "Anna", at: t0) + [other]))
                .decode(PushResponse.self)
            #expect(response.accepted == 3 && response.rejected.map(\.code) == [.wrongReplica])
        }
    }

    @Test("gzip both ways: a gzip push is read, a response is gzip when asked")
    func gzip() async throws {
        try await withTestServer { server in
            var changes: [FieldChange] = []
            for number in 1...20 { changes += ana.newCustomer(IDs.customer(number), name: "C\(number)", at: t0) }
            let body = try Gzip.compress(WireJSON.encode(ana.push(changes)))
            let pushed = try await server.request(
                .POST, SyncAPI.push, body: body,
                headers: [(SyncAPI.schemaVersionHeader, "1"), ("Content-Encoding", "gzip")], as: "ana")
            #expect(pushed.status == 200)
            #expect(try pushed.decode(PushResponse.self).accepted == 60)
            let pulled = try await server.request(
                .GET, SyncAPI.pull, headers: [(SyncAPI.schemaVersionHeader, "1"), ("Accept-Encoding", "gzip")])
            #expect(pulled.headers.first(name: "Content-Encoding") == "gzip")
            let page = try WireJSON.decode(PullResponse.self, from: try Gzip.decompress(pulled.body))
            #expect(page.changeSet.rowRuns.count == 20)
            for (accepted, gzip) in [
                ("br, GZIP", true), ("deflate, gzip; q=0", false), ("gzip;Q=0.0", false), ("gzip; q=0.5", true),
                ("identity", false),
            ] {
                let answer = try await server.request(
                    .GET, SyncAPI.pull, headers: [(SyncAPI.schemaVersionHeader, "1"), ("Accept-Encoding", accepted)])
                #expect(
                    (answer.headers.first(name: "Content-Encoding") == "gzip") == gzip, "Accept-Encoding: \(accepted)")
            }
        }
    }

    @Test("health and metrics answer without the schema header; metrics count pushes and conflicts")
    func healthAndMetrics() async throws {
        try await withTestServer { server in
            let health = try await server.request(.GET, "/health", headers: [])
            #expect(health.status == 200 && String(decoding: health.body, as: UTF8.self) == #"{"status":"ok"}"#)
            _ = try await server.push(ana.push(ana.newCustomer(IDs.anna, name: "Anna", at: t0)))
            let metrics = String(decoding: try await server.request(.GET, "/metrics", headers: []).body, as: UTF8.self)
            #expect(metrics.contains("fieldsync_changes_accepted_total 3"))
            #expect(metrics.contains(#"fieldsync_http_requests_total{method="POST",route="/v1/push",status="200"} 1"#))
            #expect(metrics.contains("fieldsync_http_request_duration_seconds_bucket"))
            // The push's answer went out, and its size was counted.
            #expect(metrics.contains(#"fieldsync_http_response_body_bytes_total{route="/v1/push"} "#))
            #expect(!metrics.contains("Anna"))
        }
    }
}
