import Foundation
import Testing

/// Two devices exchanging change files (a USB stick): any order, any number of times.
@Suite("changes export/import between two replicas")
struct ChangeFileExchangeTests {
    /// Ana's and Bruno's devices, both holding customer `id`, then both
    /// editing it offline: Ana the phone, Bruno the city, and both the notes
    /// (Bruno after Ana, so his notes are the newer).
    struct TwoDevices {
        let sandbox: Sandbox
        let ana: String
        let bruno: String
        let id: String
        let anaFile: String
        let brunoFile: String

        init() async throws {
            sandbox = try Sandbox()
            ana = sandbox.path("ana.db")
            bruno = sandbox.path("bruno.db")
            anaFile = sandbox.path("from-ana.json")
            brunoFile = sandbox.path("from-bruno.json")
            try await sandbox.initReplica(ana, manager: "ana.lima")
            try await sandbox.initReplica(bruno, manager: "bruno.m")
            id = try await sandbox.addCustomer(
                "Rui Matos", "phone=+351900000000", "city=Lisbon", "notes=first visit", on: ana)
            try await sandbox.succeed("changes", "export", anaFile, on: ana)
            try await sandbox.succeed("changes", "import", anaFile, on: bruno)
            try await sandbox.succeed("customer", "edit", id, "phone=+351911111111", "notes=from Ana", on: ana)
            try await sandbox.succeed("customer", "edit", id, "city=Porto", "notes=from Bruno", on: bruno)
            try await sandbox.succeed("changes", "export", anaFile, "--force", on: ana)
            try await sandbox.succeed("changes", "export", brunoFile, on: bruno)
        }

        func importInto(_ replica: String, _ file: String) async throws -> JSON {
            try await sandbox.json("changes", "import", file, on: replica)
        }

        func digest(_ replica: String) async throws -> JSON {
            try await sandbox.json("digest", on: replica)
        }

        func expectMerged(sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let onAna = try await sandbox.record("customers", id, on: ana)
            let onBruno = try await sandbox.record("customers", id, on: bruno)
            #expect(onAna == onBruno, sourceLocation: sourceLocation)
            #expect(onAna["phone"] == "+351911111111", "Ana's phone survives", sourceLocation: sourceLocation)
            #expect(onAna["city"] == "Porto", "Bruno's city survives", sourceLocation: sourceLocation)
            #expect(onAna["notes"] == "from Bruno", "the later edit of the same field wins", sourceLocation: sourceLocation)
            #expect(onAna["full_name"] == "Rui Matos", sourceLocation: sourceLocation)
            let (anaDigest, brunoDigest) = (try await digest(ana), try await digest(bruno))
            #expect(anaDigest == brunoDigest, "digests converge", sourceLocation: sourceLocation)
        }
    }

    @Test("the first import copies the customer exactly: same fields, same digest")
    func firstImportCopies() async throws {
        let sandbox = try Sandbox()
        let (ana, bruno, file) = (sandbox.path("ana.db"), sandbox.path("bruno.db"), sandbox.path("ana.json"))
        try await sandbox.initReplica(ana)
        try await sandbox.initReplica(bruno, manager: "bruno.m")
        let id = try await sandbox.addCustomer("Rui Matos", "city=Lisbon", on: ana)
        try await sandbox.succeed("task", "add", id, "Call", "--due", "2026-01-05", on: ana)

        let exported = try await sandbox.json("changes", "export", file, on: ana)
        #expect(exported.keys == ["file", "changes", "through"])
        #expect(exported["changes"] == 11)
        #expect(exported["through"] == 2)
        let imported = try await sandbox.json("changes", "import", file, on: bruno)
        #expect(imported["received"] == 11)
        #expect(imported["changed"] == 11)
        #expect(imported.keys == ["file", "received", "changed"])

        #expect(try await sandbox.record("customers", id, on: bruno) == sandbox.record("customers", id, on: ana))
        #expect(try await sandbox.json("digest", on: bruno) == sandbox.json("digest", on: ana))
        #expect(try await sandbox.json("task", "list", on: bruno).ids.count == 1)
        #expect(try await sandbox.json("status", on: bruno)["pending_changes"] == 0, "merged changes are not local edits")
    }

    @Test("edits of different fields both survive and the later same-field edit wins, whichever imports first",
        arguments: [true, false])
    func concurrentEditsConverge(_ anaImportsFirst: Bool) async throws {
        let devices = try await TwoDevices()
        if anaImportsFirst {
            let intoAna = try await devices.importInto(devices.ana, devices.brunoFile)
            #expect(intoAna["changed"] == 2, "Bruno's city and notes are newer")
            let intoBruno = try await devices.importInto(devices.bruno, devices.anaFile)
            #expect(intoBruno["changed"] == 1, "only Ana's phone is newer")
        } else {
            let intoBruno = try await devices.importInto(devices.bruno, devices.anaFile)
            #expect(intoBruno["changed"] == 1, "only Ana's phone is newer")
            let intoAna = try await devices.importInto(devices.ana, devices.brunoFile)
            #expect(intoAna["changed"] == 2, "Bruno's city and notes are newer")
        }
        try await devices.expectMerged()
    }

    @Test("importing the same files again, in any order, changes nothing")
    func repeatedImportsAreIdempotent() async throws {
        let devices = try await TwoDevices()
        _ = try await devices.importInto(devices.ana, devices.brunoFile)
        _ = try await devices.importInto(devices.bruno, devices.anaFile)
        let settled = (try await devices.digest(devices.ana), try await devices.digest(devices.bruno))
        for (replica, file) in [
            (devices.ana, devices.brunoFile), (devices.bruno, devices.anaFile), (devices.ana, devices.anaFile),
            (devices.bruno, devices.brunoFile), (devices.ana, devices.brunoFile),
        ] {
            let again = try await devices.importInto(replica, file)
            #expect(again["changed"] == 0, "re-importing \(file) into \(replica)")
        }
        #expect(try await devices.digest(devices.ana) == settled.0)
        #expect(try await devices.digest(devices.bruno) == settled.1)
        try await devices.expectMerged()
    }

    @Test("a replica's export after a merge carries the other's edits on to it, changing nothing there")
    func reExportAfterMerge() async throws {
        let devices = try await TwoDevices()
        _ = try await devices.importInto(devices.bruno, devices.anaFile)
        let relay = devices.sandbox.path("relay.json")
        try await devices.sandbox.succeed("changes", "export", relay, on: devices.bruno)
        let intoAna = try await devices.importInto(devices.ana, relay)
        #expect(intoAna["changed"] == 2)
        try await devices.expectMerged()
    }

    @Test("export --since the printed counter carries only the later changes")
    func incrementalExport() async throws {
        let sandbox = try Sandbox()
        let (ana, bruno) = (sandbox.path("ana.db"), sandbox.path("bruno.db"))
        try await sandbox.initReplica(ana)
        try await sandbox.initReplica(bruno)
        let first = try await sandbox.addCustomer("Rui Matos", on: ana)
        let full = try await sandbox.json("changes", "export", sandbox.path("1.json"), on: ana)
        let through = try #require(full["through"]?.int)
        let nothing = try await sandbox.json("changes", "export", sandbox.path("2.json"), "--since", "\(through)", on: ana)
        #expect(nothing["changes"] == 0)
        #expect(nothing["through"] == .int(through))

        let second = try await sandbox.addCustomer("Sara Lopes", on: ana)
        let text = try await sandbox.succeed("changes", "export", sandbox.path("3.json"), "--since", "\(through)", on: ana)
        #expect(text.stdout.contains("Wrote 3 field change(s)"), "\(text)")
        #expect(text.stdout.contains("--since \(through + 1)"))
        try await sandbox.succeed("changes", "import", sandbox.path("1.json"), on: bruno)
        let merged = try await sandbox.succeed("changes", "import", sandbox.path("3.json"), on: bruno)
        #expect(merged.stdout.contains("Merged 3 field change(s)"), "\(merged)")
        #expect(Set(try await sandbox.json("customer", "list", on: bruno).ids) == [first, second])
        #expect(try await sandbox.json("digest", on: bruno) == sandbox.json("digest", on: ana))
    }

    @Test("a delete travels like any edit")
    func deleteTravels() async throws {
        let devices = try await TwoDevices()
        try await devices.sandbox.succeed("customer", "delete", devices.id, on: devices.ana)
        try await devices.sandbox.succeed("changes", "export", devices.anaFile, "--force", on: devices.ana)
        _ = try await devices.importInto(devices.bruno, devices.anaFile)
        _ = try await devices.importInto(devices.ana, devices.brunoFile)
        #expect(try await devices.sandbox.json("customer", "list", on: devices.bruno).ids == [])
        #expect(try await devices.sandbox.record("customers", devices.id, on: devices.bruno)["deleted"] == 1)
        #expect(try await devices.digest(devices.ana) == devices.digest(devices.bruno))
    }

    /// A change stamped far in the future would win every later edit made
    /// here: the whole file is refused, and the device keeps working.
    @Test("a change file from a clock far ahead is refused [clock_skew]; one slightly ahead merges, and later edits win")
    func clockFarAhead() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        let id = try await sandbox.addCustomer("Rui Matos", "city=Lisbon")
        func changeFile(_ name: String, millisAhead: UInt64) throws -> String {
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            let hex = String((now + millisAhead) << 16, radix: 16)
            let version = String(repeating: "0", count: 16 - hex.count) + hex + "-0000000000000001"
            let document = """
                {"format": "fieldsync-changes", "schema_version": 1, "rows": [{"table": "customers", "id": "\(id)", \
                "fields": {"city": {"value": "Faro", "version": "\(version)"}}}]}
                """
            let file = sandbox.path(name)
            try Data(document.utf8).write(to: URL(fileURLWithPath: file))
            return file
        }
        let refused = try await sandbox.expectRejected(
            ["changes", "import", try changeFile("future.json", millisAhead: 3_600_000)], code: "clock_skew",
            mentions: ["ahead of this device's clock", "nothing was merged"])
        // "… a timestamp N s ahead …": N is an hour, less the time the test took to get here.
        let seconds = refused.stderr.components(separatedBy: "timestamp ").last?.split(separator: " ").first.flatMap { Int($0) }
        #expect((3_000...3_600).contains(seconds ?? 0), "\(refused)")
        #expect(try await sandbox.record("customers", id)["city"] == "Lisbon")

        let merged = try await sandbox.json("changes", "import", try changeFile("soon.json", millisAhead: 60_000))
        #expect(merged["changed"] == 1)
        #expect(try await sandbox.record("customers", id)["city"] == "Faro")
        try await sandbox.succeed("customer", "edit", id, "city=Porto")
        #expect(try await sandbox.record("customers", id)["city"] == "Porto")
    }

    @Test(
        "an export is its owner's alone; a file that exists is replaced only with --force, the replica's files never"
    )
    func exportKeepsOtherFiles() async throws {
        let sandbox = try Sandbox()
        try await sandbox.initReplica()
        _ = try await sandbox.addCustomer("Rui Matos")
        let export = sandbox.path("export.json")
        let first = try #require(try await sandbox.json("changes", "export", export)["changes"]?.int)
        let mode = try FileManager.default.attributesOfItem(atPath: export)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        _ = try await sandbox.addCustomer("Sara Lopes")
        try await sandbox.expectRejected(
            ["changes", "export", export], code: "io", mentions: ["export.json already exists", "--force"])
        let again = try await sandbox.json("changes", "export", export, "--force")
        #expect(again["changes"] == .int(2 * first), "the later export replaces the earlier")

        let notes = sandbox.path("notes.txt")
        try Data("visit notes".utf8).write(to: URL(fileURLWithPath: notes))
        try await sandbox.expectRejected(["changes", "export", notes], code: "io", mentions: ["notes.txt already exists"])
        #expect(try String(contentsOfFile: notes, encoding: .utf8) == "visit notes")
        let link = sandbox.path("link.db")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: sandbox.replica)
        try FileManager.default.createDirectory(atPath: sandbox.path("sub"), withIntermediateDirectories: true)
        // The log exists while the exporting command has the replica open.
        // The journal does not exist, but SQLite would take a file of that name for a stale one, and delete it.
        let names = [sandbox.replica, sandbox.replica + "-wal", sandbox.replica + "-journal", link]
        for name in names + [sandbox.path("sub/../replica.db")] {
            try await sandbox.expectRejected(
                ["changes", "export", name, "--force"], code: "io", mentions: ["this replica's own files"])
        }
        try await sandbox.expectRejected(
            ["changes", "export", sandbox.path("sub"), "--force"], code: "io", mentions: ["is a directory"])
        try await sandbox.succeed("changes", "export", notes, "--force")
        try await sandbox.succeed("changes", "import", notes)
        let empty = sandbox.path("empty.json")
        try Data().write(to: URL(fileURLWithPath: empty))
        try await sandbox.expectRejected(["changes", "import", empty], code: "malformed", mentions: ["is empty"])
        try await sandbox.expectRejected(
            ["changes", "import", sandbox.path("none.json")], code: "io", mentions: ["No such file or directory"])
        try await sandbox.expectRejected(
            ["changes", "import", sandbox.path("sub")], code: "io", mentions: ["it is a directory"])
        let parts = try FileManager.default.contentsOfDirectory(atPath: sandbox.directory.path).filter {
            $0.hasSuffix(".part")
        }
        #expect(parts == [])
    }
}
