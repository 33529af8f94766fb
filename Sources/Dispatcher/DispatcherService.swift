import Logging
import ServiceLifecycle
import SopzAMQP
import SopzContract
import SopzRuntime

/// Competing consumer of `sopz.dispatcher`: applies up to `concurrency` commands at once and
/// settles each only after its transaction committed.
///
/// On graceful shutdown it stops intake, lets in-flight commands finish (and be acked), and
/// returns; the consumer then closes its connection.
struct DispatcherService: Service {
    let consumer: AMQPConsumer
    let publisher: AMQPPublisher
    let processor: CommandProcessor
    let concurrency: Int
    /// Opens once the schema is migrated; nothing is applied before.
    let schemaReady: Gate
    let logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            guard await schemaReady.waitUnlessShuttingDown() else { return }
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for await delivery in consumer.deliveries {
                    if running >= concurrency {
                        await group.next()
                        running -= 1
                    }
                    running += 1
                    group.addTask { await handle(delivery) }
                }
            }
        } onGracefulShutdown: {
            consumer.stopIntake()
        }
        logger.info("dispatcher drained")
    }

    private func handle(_ delivery: Delivery) async {
        switch await processor.process(delivery) {
        case .ack:
            consumer.ack(delivery)
        case .requeue:
            consumer.nack(delivery, requeue: true)
        case .deadLetter(let reason):
            await deadLetter(delivery, reason: reason)
        }
    }

    /// Moves a poison message to `sopz.dead` with the reason, then acks it. If that publish
    /// fails, the nack sends it to the queue's dead-letter exchange anyway (without the reason):
    /// it never loops.
    private func deadLetter(_ delivery: Delivery, reason: String) async {
        logger.error(
            "dead-lettering a command", metadata: ["reason": "\(reason)", "message.id": "\(delivery.messageID ?? "-")"])
        var headers = delivery.headers
        headers[Topology.deadReasonHeader] = reason
        headers["x-sopz-original-routing-key"] = delivery.routingKey
        let message = OutgoingMessage(
            exchange: Topology.deadExchange, routingKey: delivery.routingKey, body: delivery.body,
            messageID: delivery.messageID, type: delivery.type, headers: headers)
        do {
            try await publisher.publish(message)
            consumer.ack(delivery)
        } catch {
            consumer.nack(delivery, requeue: false)
        }
    }
}
