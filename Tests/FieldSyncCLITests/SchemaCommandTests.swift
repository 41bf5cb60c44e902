import Foundation
import Testing

@Suite("schema")
struct SchemaCommandTests {
    @Test("schema --json prints protocol/schema.json, also with global options before the subcommand")
    func printsTheSchema() async throws {
        let sandbox = try Sandbox()
        let golden = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("protocol/schema.json"),
            encoding: .utf8)
        for arguments in [["schema", "--json"], ["--replica", sandbox.path("none.db"), "--json", "schema"]] {
            let result = try await sandbox.run(arguments)
            #expect(result.exitCode == 0, "\(result)")
            #expect(result.stdout == golden)
        }
        let people = try await sandbox.run(["schema"])
        #expect(people.exitCode == 0)
        #expect(people.stdout.contains("risk_profile  enum (conservative, moderate, balanced, growth, aggressive)"))
    }
}
