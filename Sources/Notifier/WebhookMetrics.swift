import Prometheus
import SopzDomain
import SopzPostgres

/// Webhook deliveries, for operators: attempts by outcome, how long receivers take to answer.
struct WebhookMetrics: Sendable {
    private let attempts: [String: Counter]
    private let givenUp: Counter
    private let latency: DurationHistogram

    init(registry: PrometheusCollectorRegistry) {
        let descriptor = MetricNameDescriptor(
            namespace: "sopz", subsystem: "webhook", metricName: "attempts", unitName: "total",
            helpText: "Webhook delivery attempts by outcome: delivered (2xx), gone (410: subscription disabled), failed"
        )
        attempts = Dictionary(
            uniqueKeysWithValues: ["delivered", "gone", "failed"].map {
                ($0, registry.makeCounter(descriptor: descriptor, labels: [("outcome", $0)]))
            })
        givenUp = registry.makeCounter(
            descriptor: .init(
                namespace: "sopz", subsystem: "webhook", metricName: "deliveries_given_up", unitName: "total",
                helpText: "Webhook deliveries given up: every attempt failed, or the receiver is gone"))
        latency = registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "sopz", subsystem: "webhook", metricName: "attempt_duration", unitName: "seconds",
                helpText: "How long a webhook attempt took, from resolving the name to the answer's status"),
            buckets: [
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .seconds(2), .seconds(5), .seconds(10),
            ])
    }

    func attempted(verdict: DeliverySchedule.Verdict, result: WebhookDeliveryStore.Result, latency duration: Duration) {
        let outcome: String =
            switch verdict {
            case .delivered: "delivered"
            case .gone: "gone"
            case .failed: "failed"
            }
        attempts[outcome]?.increment()
        if result == .givenUp { givenUp.increment() }
        latency.record(duration)
    }
}
