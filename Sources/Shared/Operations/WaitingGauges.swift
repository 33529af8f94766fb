import Foundation
import Prometheus

/// How much work waits for a process and how old the oldest of it is (the projection's lag, the
/// outbox's backlog): a count, bounded by what the process bothers to count, and an age in
/// seconds, 0 when nothing waits.
public struct WaitingGauges: Sendable {
    private let count: Gauge
    private let age: Gauge

    public init(registry: PrometheusCollectorRegistry, count: MetricNameDescriptor, age: MetricNameDescriptor) {
        self.count = registry.makeGauge(descriptor: count)
        self.age = registry.makeGauge(descriptor: age)
    }

    public func record(count waiting: Int, oldestAt: Date?, now: Date = Date()) {
        count.set(Double(waiting))
        // Clocks of two machines: what waits is never younger than now.
        age.set(oldestAt.map { max(0, now.timeIntervalSince($0)) } ?? 0)
    }
}
