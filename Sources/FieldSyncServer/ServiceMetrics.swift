import FieldSyncCore
import Prometheus

/// The service's Prometheus metrics, in a registry of its own (no global
/// bootstrap), exposed at `/metrics`. Labels name routes, methods, statuses
/// and error codes, never field values or record ids.
public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let accepted: Counter
    private let conflicts: Counter
    private let rowsPulled: Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        accepted = registry.makeCounter(
            descriptor: .init(
                metricName: "fieldsync_changes_accepted", unitName: "total", helpText: "Pushed field changes accepted."),
            labels: [])
        conflicts = registry.makeCounter(
            descriptor: .init(metricName: "fieldsync_conflicts_recorded", unitName: "total", helpText: "Conflicts recorded."),
            labels: [])
        rowsPulled = registry.makeCounter(
            descriptor: .init(metricName: "fieldsync_rows_pulled", unitName: "total", helpText: "Rows sent in pull pages."),
            labels: [])
    }

    func request(method: String, route: String, status: Int, duration: Duration, bodyBytes: Int?) {
        if let bodyBytes {
            // As sent (gzip included): what a mobile link pays per route.
            registry.makeCounter(
                descriptor: .init(
                    metricName: "fieldsync_http_response_body_bytes", unitName: "total",
                    helpText: "Response body bytes sent, as sent (after gzip)."),
                labels: [("route", route)]
            ).increment(by: Int64(bodyBytes))
        }
        registry.makeCounter(
            descriptor: .init(metricName: "fieldsync_http_requests", unitName: "total", helpText: "HTTP requests answered."),
            labels: [("method", method), ("route", route), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: .init(
                metricName: "fieldsync_http_request_duration", unitName: "seconds", helpText: "Time to answer a request."),
            labels: [("route", route)],
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                      .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]
        ).record(duration)
    }

    func pushed(accepted count: Int, rejected: [ChangeRejection], conflicts recorded: Int) {
        accepted.increment(by: Int64(count))
        conflicts.increment(by: Int64(recorded))
        for (code, changes) in Dictionary(grouping: rejected, by: \.code) {
            registry.makeCounter(
                descriptor: .init(
                    metricName: "fieldsync_changes_rejected", unitName: "total", helpText: "Pushed field changes rejected, by code."),
                labels: [("code", code.rawValue)]
            ).increment(by: Int64(changes.count))
        }
    }

    func pulled(rows: Int) { rowsPulled.increment(by: Int64(rows)) }

    /// The text exposition format.
    func exposition() -> String { registry.emitToString() }
}
