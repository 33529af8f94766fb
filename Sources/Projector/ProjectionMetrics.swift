import Foundation
import Prometheus
import SopzOperations
import SopzPostgres

/// The projector's metrics: how far behind the event store the read model is, in events and in
/// seconds (the age of the oldest event not yet projected; 0 when none waits), and how many
/// events it has applied.
struct ProjectionMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let lag: WaitingGauges
    private let applied: Counter

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        lag = WaitingGauges(
            registry: registry,
            count: .init(
                namespace: "sopz", subsystem: "projection", metricName: "lag", unitName: "events",
                helpText: "Events in the event store not yet in the read model (counted up to 10,000)"),
            age: .init(
                namespace: "sopz", subsystem: "projection", metricName: "lag", unitName: "seconds",
                helpText: "Age of the oldest event not yet in the read model; 0 when it has every event"))
        applied = registry.makeCounter(
            descriptor: .init(
                namespace: "sopz", subsystem: "projection", metricName: "events_applied", unitName: "total",
                helpText: "Events this projector applied to the read model"))
    }

    func record(_ lag: PostgresProjectionStore.Lag, now: Date = Date()) {
        self.lag.record(count: lag.events, oldestAt: lag.oldestPendingAt, now: now)
    }

    func applied(_ events: Int) {
        if events > 0 { applied.increment(by: Int64(events)) }
    }
}
