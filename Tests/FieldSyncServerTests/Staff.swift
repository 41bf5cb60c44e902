import FieldSyncCore
import FieldSyncService

/// The people every test server knows, each with a token issued at start.
/// North: managers ana, ben, ana.lima, bruno.costa, carla.dias and
/// supervisor sue; south: manager zoe and supervisor sol; root is the admin.
enum Staff {
    static let ana = Manager(id: "ana", name: "Ana Keller", branch: "north", role: .manager)
    static let ben = Manager(id: "ben", name: "Ben Otto", branch: "north", role: .manager)
    static let sue = Manager(id: "sue", name: "Sue Park", branch: "north", role: .supervisor)
    static let zoe = Manager(id: "zoe", name: "Zoe Ruiz", branch: "south", role: .manager)
    static let sol = Manager(id: "sol", name: "Sol Mena", branch: "south", role: .supervisor)
    static let admin = Manager(id: "root", name: "Head Office", branch: "hq", role: .admin)

    static let all: [Manager] =
        [ana, ben, sue, zoe, sol, admin]
        + ["ana.lima", "bruno.costa", "carla.dias"].map { Manager(id: $0, name: $0, branch: "north", role: .manager) }
}

extension CentralStore {
    /// The digest of everything (an admin's view).
    func digest() async throws -> (digest: String, rows: Int) { try await digest(for: Staff.admin) }
}
