import Logging
import ServiceLifecycle
import SopzAMQP
import SopzPostgres
import SopzRuntime

/// Relays outbox rows to `sopz.events` in their order, deleting each row only after RabbitMQ
/// confirmed it.
///
/// Woken by `NOTIFY sopz_outbox` and, in case a notification was missed, every
/// `pollInterval`. Several replicas can run: each batch is locked with `SKIP LOCKED`, so no
/// row is published by two relays at the same time. Beside it, the backlog is measured every
/// `pollInterval` for the metrics.
struct OutboxRelayService: Service {
    let outbox: OutboxStore
    let publisher: AMQPPublisher
    let listener: PostgresListener
    let schemaReady: Gate
    var metrics = RelayMetrics()
    let logger: Logger
    var batchSize = 200
    var pollInterval: Duration = .seconds(1)
    /// How long a notification waits for more commits before the relay drains: under load
    /// this turns one transaction and one round of confirms per commit into one per few dozen
    /// events, for a delay nobody outside notices.
    var gatherDelay: Duration = .milliseconds(20)

    func run() async throws {
        guard await schemaReady.waitUnlessShuttingDown() else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await drainOnWakeUps(listener.notifications, pollInterval: pollInterval, gatherDelay: gatherDelay) {
                    await drain()
                }
            }
            group.addTask { await repeatUntilShutdown(every: pollInterval) { await measureBacklog() } }
            await group.waitForAll()
        }
    }

    func measureBacklog() async {
        do {
            metrics.record(try await outbox.backlog())
        } catch {
            logger.debug("could not measure the outbox backlog", metadata: ["error": "\(error)"])
        }
    }

    /// Relays batches until the outbox is empty or publishing fails (retried on the next wake-up).
    func drain() async {
        do {
            while try await outbox.relay(limit: batchSize, publish: publishAll) == batchSize {}
        } catch {
            metrics.relayFailed()
            logger.warning("outbox relay paused", metadata: ["error": "\(error)"])
        }
    }

    /// Publishes a batch in its order; its confirms arrive together. Fails if any fails.
    private func publishAll(_ rows: [OutboxRow]) async throws {
        try await publisher.publish(contentsOf: rows.map(CloudEventMapping.message(for:)))
        metrics.published(rows)
    }
}
