import Prometheus

/// How often a process had to connect to RabbitMQ again after losing a connection: a rising
/// count means the broker or the network between is flapping (`sopz_amqp_reconnects_total`,
/// by `connection`: `publisher` or `consumer`).
public struct AMQPMetrics: Sendable {
    private let publisher: Counter
    private let consumer: Counter

    public init(registry: PrometheusCollectorRegistry) {
        let descriptor = MetricNameDescriptor(
            namespace: "sopz", subsystem: "amqp", metricName: "reconnects", unitName: "total",
            helpText: "Connections to RabbitMQ opened again after one was lost")
        publisher = registry.makeCounter(descriptor: descriptor, labels: [("connection", "publisher")])
        consumer = registry.makeCounter(descriptor: descriptor, labels: [("connection", "consumer")])
    }

    /// For `AMQPPublisher(reconnected:)`.
    public var publisherReconnected: @Sendable () -> Void { { [publisher] in publisher.increment() } }
    /// For `AMQPConsumer(reconnected:)`.
    public var consumerReconnected: @Sendable () -> Void { { [consumer] in consumer.increment() } }
}
