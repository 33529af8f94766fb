import Foundation
import Prometheus
import SopzContract
import SopzDomain
import SopzOperations
import SopzProcessing

/// The dispatcher's metrics: what became of each command, by type; how long commands took from
/// the ingress to their commit; how large the batches are; retries and RabbitMQ reconnects.
///
/// Every label value is bounded (the command types and four outcomes), and each series exists
/// from the start at zero, so a rate over it is defined before the first command.
struct DispatcherMetrics: Sendable {
    /// What became of a command.
    enum Outcome: String, CaseIterable, Sendable {
        /// Committed with its changes.
        case applied
        /// Committed as refused by the rules (the ticket is unchanged).
        case rejected
        /// Seen before: nothing changed.
        case duplicate
        /// Moved to `sopz.dead`.
        case deadLettered = "dead_lettered"
    }

    /// Why a command is tried again.
    enum Retry: String, CaseIterable, Sendable {
        /// The database is unreachable: held without counting an attempt.
        case outage
        /// This command's attempt failed (a conflict, a constraint): an attempt counted.
        case attempt
    }

    /// The `type` label of a command that could not be decoded.
    static let unknownType = "unknown"

    let registry: PrometheusCollectorRegistry
    let amqp: AMQPMetrics
    private let outcomes: [String: [Outcome: Counter]]
    private let retries: [Retry: Counter]
    private let batchSize: ValueHistogram
    private let commitDelay: DurationHistogram

    static let delayBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        amqp = AMQPMetrics(registry: registry)
        let commands = MetricNameDescriptor(
            namespace: "sopz", subsystem: "dispatcher", metricName: "commands", unitName: "total",
            helpText: "Commands settled by this dispatcher, by type and outcome")
        var outcomes: [String: [Outcome: Counter]] = [:]
        for type in TicketCommand.types + [Self.unknownType] {
            for outcome in Outcome.allCases {
                outcomes[type, default: [:]][outcome] = registry.makeCounter(
                    descriptor: commands, labels: [("type", type), ("outcome", outcome.rawValue)])
            }
        }
        self.outcomes = outcomes
        let retries = MetricNameDescriptor(
            namespace: "sopz", subsystem: "dispatcher", metricName: "retries", unitName: "total",
            helpText: "Commands tried again, by reason")
        self.retries = Dictionary(
            uniqueKeysWithValues: Retry.allCases.map {
                ($0, registry.makeCounter(descriptor: retries, labels: [("reason", $0.rawValue)]))
            })
        batchSize = registry.makeValueHistogram(
            descriptor: .init(
                namespace: "sopz", subsystem: "dispatcher", metricName: "batch_size", unitName: "commands",
                helpText: "Commands applied in one transaction"),
            buckets: Self.batchBuckets)
        commitDelay = registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "sopz", subsystem: "dispatcher", metricName: "command_commit_delay", unitName: "seconds",
                helpText: "Time from the ingress accepting a command to its commit (applied or rejected)"),
            buckets: Self.delayBuckets)
    }

    /// A command was settled; `type` nil when it could not be decoded.
    func settled(_ outcome: Outcome, type: String?) {
        (outcomes[type ?? Self.unknownType] ?? outcomes[Self.unknownType])?[outcome]?.increment()
    }

    /// A command settled with what the store made of it: a duplicate is counted, an applied or
    /// rejected one also gives its commit delay.
    func settled(_ outcome: ApplyOutcome, _ envelope: CommandEnvelope, now: Date = Date()) {
        switch outcome {
        case .applied: committed(envelope, as: .applied, now: now)
        case .rejected: committed(envelope, as: .rejected, now: now)
        case .duplicate: settled(.duplicate, type: envelope.command.type)
        case .retryLater: break  // not settled yet
        }
    }

    /// A command committed (applied or rejected) at `now`; the ingress accepted it at `issuedAt`.
    func committed(_ envelope: CommandEnvelope, as outcome: Outcome, now: Date = Date()) {
        settled(outcome, type: envelope.command.type)
        // Clocks of two machines: a commit never precedes its acceptance, whatever they say.
        let delay = max(0, now.timeIntervalSince(envelope.issuedAt))
        commitDelay.record(.nanoseconds(Int64(delay * 1_000_000_000)))
    }

    func retried(_ reason: Retry) { retries[reason]?.increment() }

    func batchApplied(_ size: Int) { batchSize.record(Double(size)) }
}
