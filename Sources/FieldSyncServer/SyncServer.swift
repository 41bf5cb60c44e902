import FieldSyncCore
import FieldSyncProtocol
import FieldSyncService
import Hummingbird
import Logging
import NIOCore

/// How a server is set up: where it listens and the limits it enforces.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var maxBodyBytes: Int
    /// How long a connection may stay open without a request. Longer than
    /// the client's own idle limit (60 s), so a client never sends on a
    /// connection the server is closing.
    public var idleTimeout: Duration
    public var maxConnections: Int

    public static let defaultIdleTimeout = Duration.seconds(75)
    public static let defaultMaxConnections = 1_000

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = SyncAPI.defaultMaxBodyBytes,
        idleTimeout: Duration = defaultIdleTimeout, maxConnections: Int = defaultMaxConnections
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }
}

/// Builds the sync service's HTTP application over a central store.
public enum SyncServer {
    /// - Parameter onRunning: called with the bound port once the server listens (port 0 picks a free one).
    public static func application(
        store: any CentralStore, configuration: ServerConfiguration, metrics: ServiceMetrics, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: SyncRequestContext.self)
        router.add(middleware: ObservabilityMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware())
        router.get(RouterPath(SyncAPI.health)) { request, _ in
            try WireResponse.json(["status": "ok"], for: request)
        }
        router.get(RouterPath(SyncAPI.ready)) { request, _ in
            do {
                try await store.checkReady()
            } catch {
                // 503: the instance is up but cannot serve; a balancer stops routing to it. Logged as any 5xx.
                var notReady = APIError(error)
                notReady.status = .serviceUnavailable
                throw notReady
            }
            return try WireResponse.json(["status": "ready"], for: request)
        }
        // Counts over all branches: for admins (a Prometheus scrape sends an admin's token).
        router.group(RouterPath(SyncAPI.metrics))
            .add(middleware: AuthenticationMiddleware(store: store))
            .get { _, context in
                guard try context.caller().role == .admin else {
                    throw APIError(.forbidden, "metrics count every branch's data: they are for admins")
                }
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
            }
        let v1 = router.group("v1")
            .add(middleware: AuthenticationMiddleware(store: store))
            .add(middleware: SchemaVersionMiddleware(schemaVersion: store.schema.version))
            .add(middleware: RequestBodyMiddleware(maxBodyBytes: configuration.maxBodyBytes))
        SyncRoutes(store: store, metrics: metrics).add(to: v1)
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: TimeAmount(configuration.idleTimeout))),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "fieldsync",
                availableConnectionsDelegate: ConnectionLimit(maximum: configuration.maxConnections, logger: logger)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}
