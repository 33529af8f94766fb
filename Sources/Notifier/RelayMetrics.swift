import Foundation
import Prometheus
import SopzContract
import SopzOperations
import SopzPostgres

/// The notifier's metrics: events published by routing key, failed relay rounds, what waits in
/// the outbox (rows and the age of the oldest: the relay's lag) and RabbitMQ reconnects.
struct RelayMetrics: Sendable {
    /// The `event` label of a routing key the catalogue does not name (rows of an older version).
    static let otherEvent = "other"

    let registry: PrometheusCollectorRegistry
    let amqp: AMQPMetrics
    private let published: [String: Counter]
    private let failures: Counter
    private let backlog: WaitingGauges

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        amqp = AMQPMetrics(registry: registry)
        let events = MetricNameDescriptor(
            namespace: "sopz", subsystem: "outbox", metricName: "events_published", unitName: "total",
            helpText: "Events published to sopz.events and confirmed by RabbitMQ, by routing key")
        published = Dictionary(
            uniqueKeysWithValues: (EventCatalogue.names.map { "ticket." + $0 } + [Self.otherEvent]).map {
                ($0, registry.makeCounter(descriptor: events, labels: [("event", $0)]))
            })
        failures = registry.makeCounter(
            descriptor: .init(
                namespace: "sopz", subsystem: "outbox", metricName: "relay_failures", unitName: "total",
                helpText: "Relay rounds that failed (the rows stay and are tried again)"))
        backlog = WaitingGauges(
            registry: registry,
            count: .init(
                namespace: "sopz", subsystem: "outbox", metricName: "backlog", unitName: "events",
                helpText: "Events in the outbox not yet published (counted up to 10,000)"),
            age: .init(
                namespace: "sopz", subsystem: "outbox", metricName: "lag", unitName: "seconds",
                helpText: "Age of the oldest event not yet published; 0 when the outbox is empty"))
    }

    func published(_ rows: [OutboxRow]) {
        for row in rows { (published[row.routingKey] ?? published[Self.otherEvent])?.increment() }
    }

    func relayFailed() { failures.increment() }

    func record(_ backlog: OutboxStore.Backlog, now: Date = Date()) {
        self.backlog.record(count: backlog.rows, oldestAt: backlog.oldestAt, now: now)
    }
}
