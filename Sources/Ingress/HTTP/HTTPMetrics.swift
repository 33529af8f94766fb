import Hummingbird
import Prometheus

/// Prometheus metrics of the HTTP edge: the `request_time` SLI as a latency histogram and the
/// `success_rate` SLI as a request counter, both by route, method and status.
final class HTTPMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    static let buckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
    ]

    func record(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeDurationHistogram(
            name: "sopz_http_request_duration_seconds", labels: labels, buckets: Self.buckets
        ).recordNanoseconds(duration.nanoseconds)
        registry.makeCounter(name: "sopz_http_requests_total", labels: labels).increment()
    }

    /// The metrics in the Prometheus text format.
    func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
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
        let response = try await next(request, context)
        metrics.record(
            route: context.endpointPath ?? "unmatched", method: request.method.rawValue,
            status: response.status.code, duration: ContinuousClock.now - start)
        return response
    }
}
