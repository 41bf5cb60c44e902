// swift-tools-version:6.1
import PackageDescription

// The module graph is the architecture: a pure core, storage and wire formats
// on top of it, the client on top of those, thin executables at the very top.
let package = Package(
    name: "FieldSync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fieldsync", targets: ["fieldsync"]),
        .executable(name: "fieldsync-server", targets: ["fieldsync-server"]),
        .executable(name: "fieldsync-bench", targets: ["fieldsync-bench"]),
        .library(name: "FieldSyncCore", targets: ["FieldSyncCore"]),
        .library(name: "FieldSyncReplica", targets: ["FieldSyncReplica"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // Pure: clock, values, changes, merge rule, schema, digest. No I/O.
        .target(
            name: "FieldSyncCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // The wire format (JSON change sets), pinned by golden files in protocol/.
        .target(name: "FieldSyncProtocol", dependencies: ["FieldSyncCore"]),
        // sqlite3_db_config is variadic; Swift cannot call it directly.
        .target(name: "CFieldSyncSQLite", linkerSettings: [.linkedLibrary("sqlite3")]),
        // mallopt is in malloc.h, which Swift's Glibc module leaves out.
        .target(name: "CFieldSyncProcess"),
        // The device replica: records in plain SQLite tables, sync metadata beside them.
        .target(
            name: "FieldSyncReplica",
            dependencies: [
                "FieldSyncCore", "CFieldSyncSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // The service's central store: merging pushes, detecting conflicts, paging pulls.
        .target(
            name: "FieldSyncService",
            dependencies: [
                "FieldSyncCore", "FieldSyncProtocol", "FieldSyncReplica",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The same central store on PostgreSQL, for several service instances at once.
        .target(
            name: "FieldSyncPostgres",
            dependencies: [
                "FieldSyncCore", "FieldSyncProtocol", "FieldSyncReplica", "FieldSyncService",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The sync service over HTTP (Hummingbird), and the `fieldsync-server` commands.
        .target(
            name: "FieldSyncServer",
            dependencies: [
                "FieldSyncCore", "FieldSyncProtocol", "FieldSyncService", "FieldSyncPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The client side of sync: HTTP transport and push/pull against a replica.
        .target(
            name: "FieldSyncClient",
            dependencies: [
                "FieldSyncCore", "FieldSyncProtocol", "FieldSyncReplica",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The field manager's CLI, as a library so tests and the executable share it.
        .target(
            name: "FieldSyncCLI",
            dependencies: [
                "FieldSyncCore", "FieldSyncProtocol", "FieldSyncReplica", "FieldSyncClient", "CFieldSyncProcess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "fieldsync-server",
            dependencies: ["FieldSyncServer", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(name: "fieldsync", dependencies: ["FieldSyncCLI"]),
        .target(
            name: "FieldSyncBenchmarks",
            dependencies: [
                "FieldSyncCore", "FieldSyncReplica", "FieldSyncProtocol", "FieldSyncService", "FieldSyncPostgres",
                "FieldSyncClient", "CFieldSyncProcess",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "fieldsync-bench", dependencies: ["FieldSyncBenchmarks"]),
        // What several test targets share: a hand-set clock, temporary directories, replica snapshots.
        .target(
            name: "FieldSyncTestSupport", dependencies: ["FieldSyncCore", "FieldSyncReplica"],
            path: "Tests/FieldSyncTestSupport"),
        .testTarget(name: "FieldSyncCoreTests", dependencies: ["FieldSyncCore"]),
        .testTarget(name: "FieldSyncProtocolTests", dependencies: ["FieldSyncCore", "FieldSyncProtocol"]),
        .testTarget(
            name: "FieldSyncReplicaTests",
            dependencies: ["FieldSyncCore", "FieldSyncProtocol", "FieldSyncReplica", "FieldSyncTestSupport"]
        ),
        // A real server on a loopback port, driven by real clients.
        .testTarget(
            name: "FieldSyncServerTests",
            dependencies: [
                "FieldSyncCore", "FieldSyncProtocol", "FieldSyncReplica", "FieldSyncService", "FieldSyncServer",
                "FieldSyncClient", "FieldSyncTestSupport", "FieldSyncPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // End-to-end: runs the built `fieldsync`, `fieldsync-server` and `fieldsync-bench` executables.
        .testTarget(
            name: "FieldSyncCLITests",
            dependencies: [
                "fieldsync", "fieldsync-server", "fieldsync-bench", "FieldSyncCore", "FieldSyncProtocol",
                "CFieldSyncProcess", .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
