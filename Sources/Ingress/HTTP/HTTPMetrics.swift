import Hummingbird
import Prometheus
import SopzOperations

/// Prometheus metrics of the HTTP edge: the `request_time` SLI as a latency histogram and the
/// `success_rate` SLI as a request counter, both by route, method and status; and the requests
/// being handled now, which the ingress's autoscaler follows (CPU lags behind a burst of slow calls).
final class HTTPMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let inFlight: Gauge
    static let buckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
    ]

    // Computed: swift-prometheus's descriptor is not Sendable, so it cannot be a stored static.
    static var duration: MetricNameDescriptor {
        .init(
            namespace: "sopz", subsystem: "http", metricName: "request_duration", unitName: "seconds",
            helpText: "Time from a request's arrival to its response's head (the request_time SLI)")
    }
    static var requests: MetricNameDescriptor {
        .init(
            namespace: "sopz", subsystem: "http", metricName: "requests", unitName: "total",
            helpText: "Requests answered, by route pattern, method and status (the success_rate SLI)")
    }

    static var inFlight: MetricNameDescriptor {
        .init(
            namespace: "sopz", subsystem: "http", metricName: "requests_in_flight",
            helpText: "Requests received and not yet answered (the ingress autoscaler's signal)")
    }

    init() {
        inFlight = registry.makeGauge(descriptor: Self.inFlight)
    }

    func record(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeDurationHistogram(descriptor: Self.duration, labels: labels, buckets: Self.buckets)
            .recordNanoseconds(duration.nanoseconds)
        registry.makeCounter(descriptor: Self.requests, labels: labels).increment()
    }

    /// The metrics in the Prometheus text format.
    func exposition() -> String { registry.exposition() }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Times every request and counts it under its route pattern (not its concrete path, so ids
/// do not explode the label set).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = SopzRequestContext
    let metrics: HTTPMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        metrics.inFlight.increment()
        defer { metrics.inFlight.decrement() }
        let response = try await next(request, context)
        metrics.record(
            route: context.endpointPath ?? "unmatched", method: request.method.rawValue,
            status: response.status.code, duration: ContinuousClock.now - start)
        return response
    }
}
