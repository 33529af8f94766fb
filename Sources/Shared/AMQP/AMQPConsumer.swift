import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import SopzContract
import SopzRuntime

/// Consumes one queue with manual acknowledgement and a bounded prefetch.
///
/// A dedicated thread owns the rabbitmq-c connection: it hands deliveries to `deliveries` and
/// performs the acks and nacks that async code requests with `ack`/`nack`. After a broken
/// connection it reconnects with capped backoff, re-declares the topology and consumes again;
/// settlements for deliveries of the old connection are dropped (RabbitMQ redelivers those).
///
/// Shutdown has two steps so nothing in flight is lost: `stopIntake()` stops new deliveries
/// (anything that still arrives goes back to the queue) and ends `deliveries`; the connection
/// stays open until every delivery handed out was settled (or `drainTimeout` passed), then closes.
public final class AMQPConsumer: Service, Sendable {
    private enum Settlement: Sendable {
        case ack(Delivery)
        case nack(Delivery, requeue: Bool)
    }

    private struct State {
        var settlements: [Settlement] = []
        var intakeStopped = false
        var closing = false
        /// Cancelled rather than stopped gracefully: nobody will settle what was handed out.
        var abandoned = false
    }

    public let deliveries: AsyncStream<Delivery>
    private let continuation: AsyncStream<Delivery>.Continuation
    private let configuration: AMQPConfiguration
    private let queue: String
    private let prefetch: Int
    private let drainTimeout: TimeInterval
    private let logger: Logger
    /// Called on the connection thread each time a connection after the first is up (metrics).
    private let reconnected: @Sendable () -> Void
    private let state = Mutex(State())
    /// Signalled when settlements are waiting (the list went from empty to not empty) and on stop.
    private let wakeUp = WakeSignal()

    public init(
        configuration: AMQPConfiguration, queue: String, prefetch: Int, drainTimeout: TimeInterval = 25,
        logger: Logger, reconnected: @escaping @Sendable () -> Void = {}
    ) {
        self.reconnected = reconnected
        (deliveries, continuation) = AsyncStream.makeStream(of: Delivery.self)
        self.configuration = configuration
        self.queue = queue
        self.prefetch = prefetch
        self.drainTimeout = drainTimeout
        self.logger = logger
    }

    /// Acknowledges a delivery: RabbitMQ forgets the message.
    public func ack(_ delivery: Delivery) { settle(.ack(delivery)) }

    /// Rejects a delivery: back to the queue (`requeue`) or to the dead-letter exchange.
    public func nack(_ delivery: Delivery, requeue: Bool) { settle(.nack(delivery, requeue: requeue)) }

    private func settle(_ settlement: Settlement) {
        let wasEmpty = state.withLock { state in
            state.settlements.append(settlement)
            return state.settlements.count == 1
        }
        if wasEmpty { wakeUp.signal() }
    }

    /// Stops taking new deliveries and ends `deliveries`; in-flight ones may still be settled.
    public func stopIntake() {
        state.withLock { $0.intakeStopped = true }
        continuation.finish()
        wakeUp.signal()
    }

    /// Runs the connection thread until shutdown; on graceful shutdown it drains, then closes.
    /// When cancelled instead, it closes at once: whoever would settle the deliveries handed out
    /// is being cancelled too (deliveries still buffered in `deliveries` are dropped), and
    /// RabbitMQ requeues everything unacknowledged when the connection closes.
    public func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await DedicatedThread.run(name: "amqp-in:\(queue)") { self.loop() }
            } onGracefulShutdown: {
                self.stopIntake()
                self.state.withLock { $0.closing = true }
                self.wakeUp.signal()
            }
        } onCancel: {
            self.stopIntake()
            self.state.withLock {
                $0.closing = true
                $0.abandoned = true
            }
            self.wakeUp.signal()
        }
    }

    // MARK: The connection thread

    private func loop() {
        var backoff = Backoff()
        var generation = 0
        var connections = 0
        while !state.withLock({ $0.closing }) {
            if state.withLock({ $0.intakeStopped }) {
                // Intake stopped while no connection is up: nothing to consume or settle, but the
                // consumer still ends only at its own turn in the shutdown, as a connected one does
                // (ending earlier, while RabbitMQ was away, failed its service group).
                wakeUp.wait(timeout: 1)
                continue
            }
            let connection: AMQPConnection
            generation += 1
            do {
                connection = try AMQPConnection(configuration)
                try Topology.declare(on: connection)
                try connection.consume(queue: queue, prefetch: prefetch, consumerTag: "sopz-\(generation)")
            } catch {
                logger.warning("RabbitMQ consumer cannot connect; retrying", metadata: ["error": "\(error)"])
                wakeUp.wait(timeout: backoff.next())
                continue
            }
            backoff.reset()
            connections += 1
            if connections > 1 { reconnected() }
            logger.info("RabbitMQ consumer connected", metadata: ["queue": "\(queue)"])
            if let failure = serve(connection, generation: generation) {
                logger.warning("RabbitMQ consumer lost its connection; reconnecting", metadata: ["error": "\(failure)"])
            }
            connection.close()
        }
        continuation.finish()
    }

    /// Delivers and settles until the connection breaks (returns the error) or shutdown has
    /// drained every delivery handed out (returns nil).
    private func serve(_ connection: AMQPConnection, generation: Int) -> (any Error)? {
        var inFlight = 0
        var intakeCancelled = false
        var drainDeadline: ContinuousClock.Instant?
        do {
            while true {
                let (settlements, intakeStopped, closing, abandoned) = state.withLock { state in
                    defer { state.settlements.removeAll(keepingCapacity: true) }
                    return (state.settlements, state.intakeStopped, state.closing, state.abandoned)
                }
                if !settlements.isEmpty {
                    try connection.corked {
                        for settlement in settlements {
                            switch settlement {
                            case .ack(let delivery) where delivery.generation == generation:
                                try connection.ack(deliveryTag: delivery.deliveryTag)
                                inFlight -= 1
                            case .nack(let delivery, let requeue) where delivery.generation == generation:
                                try connection.nack(deliveryTag: delivery.deliveryTag, requeue: requeue)
                                inFlight -= 1
                            default:
                                continue  // from a connection that no longer exists
                            }
                        }
                    }
                }
                if intakeStopped && !intakeCancelled {
                    try connection.cancel(consumerTag: "sopz-\(generation)")
                    intakeCancelled = true
                }
                if closing {
                    let deadline = drainDeadline ?? .now + .seconds(drainTimeout)
                    drainDeadline = deadline
                    if abandoned || inFlight <= 0 || ContinuousClock.now > deadline { return nil }
                }
                // Nothing to read: sleep until the broker sends or a settlement is due.
                guard let delivery = try connection.nextDelivery(generation: generation) else {
                    connection.waitForBroker(orWake: wakeUp, timeout: 0.5)
                    continue
                }
                if intakeCancelled {
                    try connection.nack(deliveryTag: delivery.deliveryTag, requeue: true)
                } else {
                    inFlight += 1
                    continuation.yield(delivery)
                }
            }
        } catch {
            return error
        }
    }
}
