import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import SopzContract
import SopzRuntime

/// Publishes persistent messages and returns only once RabbitMQ confirmed them.
///
/// Many callers publish at once; one dedicated thread owns the rabbitmq-c connection, sends
/// whatever is queued in one go and then collects the confirms, so a burst of N messages costs
/// about one broker round trip instead of N. It reconnects with capped backoff and re-declares
/// the topology. While it is not connected `publish` fails at once with `.unavailable` (the
/// ingress answers 503), so no caller waits on a dead broker.
///
/// ```swift
/// let publisher = AMQPPublisher(configuration: amqp, logger: logger)
/// // run it as a Service, then:
/// try await publisher.publish(OutgoingMessage(exchange: "sopz.commands", routingKey: "ticket.create", body: json))
/// ```
public final class AMQPPublisher: Service, Sendable {
    private struct Pending: Sendable {
        let message: OutgoingMessage
        /// Shared by the messages of one `publish` call.
        let confirmation: Confirmation
    }

    /// Answers one `publish` call: once every message of it was confirmed, or at the first failure.
    private final class Confirmation: Sendable {
        private let state: Mutex<(remaining: Int, caller: CheckedContinuation<Void, any Error>?)>

        init(messages: Int, caller: CheckedContinuation<Void, any Error>) {
            state = Mutex((messages, caller))
        }

        func confirmed() {
            let caller = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                state.remaining -= 1
                guard state.remaining == 0 else { return nil }
                defer { state.caller = nil }
                return state.caller
            }
            caller?.resume()
        }

        func failed(_ error: any Error) {
            let caller = state.withLock { state in
                defer { state.caller = nil }
                return state.caller
            }
            caller?.resume(throwing: error)
        }
    }

    private struct State {
        var connected = false
        var stopping = false
        var queue: [Pending] = []
    }

    private let configuration: AMQPConfiguration
    private let logger: Logger
    private let state = Mutex(State())
    /// Signalled when the queue goes from empty to not empty, and on stop.
    private let wakeUp = WakeSignal()
    /// A message not confirmed within this many seconds fails with `.timedOut`.
    private let confirmTimeout: TimeInterval
    /// Publishes waiting beyond this many are refused with `.unavailable` (back-pressure).
    private let maxQueued: Int
    /// Called on the connection thread each time a connection after the first is up (metrics).
    private let reconnected: @Sendable () -> Void

    public init(
        configuration: AMQPConfiguration, logger: Logger, confirmTimeout: TimeInterval = 5, maxQueued: Int = 20_000,
        reconnected: @escaping @Sendable () -> Void = {}
    ) {
        self.configuration = configuration
        self.logger = logger
        self.confirmTimeout = confirmTimeout
        self.maxQueued = maxQueued
        self.reconnected = reconnected
    }

    /// True while a connection with confirms enabled is up.
    public var isConnected: Bool { state.withLock { $0.connected } }

    /// Publishes `message` and returns after the broker's confirm; throws `AMQPError` otherwise.
    public func publish(_ message: OutgoingMessage) async throws {
        try await publish(contentsOf: [message])
    }

    /// Publishes `messages` in their order and returns once RabbitMQ confirmed all of them;
    /// throws at the first that fails (the others may have been published).
    public func publish(contentsOf messages: [OutgoingMessage]) async throws {
        guard !messages.isEmpty else { return }
        try await withCheckedThrowingContinuation { (caller: CheckedContinuation<Void, any Error>) in
            let confirmation = Confirmation(messages: messages.count, caller: caller)
            let outcome: Result<Bool, AMQPError> = state.withLock { state in
                if !state.connected || state.stopping {
                    return .failure(AMQPError(.unavailable, "not connected to RabbitMQ"))
                }
                if state.queue.count + messages.count > maxQueued {
                    return .failure(AMQPError(.unavailable, "too many messages waiting for RabbitMQ"))
                }
                let wasIdle = state.queue.isEmpty
                state.queue.append(contentsOf: messages.map { Pending(message: $0, confirmation: confirmation) })
                return .success(wasIdle)
            }
            switch outcome {
            case .failure(let refusal): confirmation.failed(refusal)
            case .success(let wasIdle): if wasIdle { wakeUp.signal() }
            }
        }
    }

    /// Runs the connection thread until graceful shutdown (or cancellation), then closes.
    public func run() async throws {
        await withTaskCancellationOrGracefulShutdownHandler {
            await DedicatedThread.run(name: "amqp-out") { self.loop() }
        } onCancelOrGracefulShutdown: {
            self.stop()
        }
    }

    /// Finishes the messages already queued, then closes; later publishes fail.
    public func stop() {
        state.withLock { $0.stopping = true }
        wakeUp.signal()
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    // MARK: The connection thread

    private func loop() {
        var backoff = Backoff()
        var connections = 0
        while !isStopping {
            let connection: AMQPConnection
            do {
                connection = try AMQPConnection(configuration)
                try Topology.declare(on: connection)
                try connection.enableConfirms()
            } catch {
                logger.warning("RabbitMQ publisher cannot connect; retrying", metadata: ["error": "\(error)"])
                wakeUp.wait(timeout: backoff.next())
                continue
            }
            backoff.reset()
            connections += 1
            if connections > 1 { reconnected() }
            state.withLock { $0.connected = true }
            logger.info("RabbitMQ publisher connected", metadata: ["host": "\(configuration.host)"])
            let failure = serve(connection)
            state.withLock { $0.connected = false }
            connection.close()
            if let failure {
                logger.warning(
                    "RabbitMQ publisher lost its connection; reconnecting", metadata: ["error": "\(failure)"])
            }
        }
        let leftovers = state.withLock { state in
            defer { state.queue = [] }
            return state.queue
        }
        leftovers.forEach { $0.confirmation.failed(AMQPError(.unavailable, "the publisher stopped")) }
    }

    private struct Outstanding {
        let pending: Pending
        let sentAt: ContinuousClock.Instant
        var returned = false
    }

    /// Publishes and confirms until the connection breaks (returns the error) or the publisher
    /// stops with nothing left in flight (returns nil).
    private func serve(_ connection: AMQPConnection) -> (any Error)? {
        var nextTag: UInt64 = 1
        var outstanding: [UInt64: Outstanding] = [:]
        var lastTimeoutCheck = ContinuousClock.now
        func settle(_ tag: UInt64, multiple: Bool, with error: AMQPError?) {
            let tags = multiple ? outstanding.keys.filter { $0 <= tag } : [tag]
            for tag in tags {
                guard let entry = outstanding.removeValue(forKey: tag) else { continue }
                if let error {
                    entry.pending.confirmation.failed(error)
                } else if entry.returned {
                    entry.pending.confirmation.failed(
                        AMQPError(.rejected, "no queue is bound for \(entry.pending.message.routingKey)"))
                } else {
                    entry.pending.confirmation.confirmed()
                }
            }
        }
        var batch: [Pending] = []
        do {
            while true {
                batch = state.withLock { state in
                    defer { state.queue.removeAll(keepingCapacity: true) }
                    return state.queue
                }
                if batch.isEmpty && outstanding.isEmpty {
                    if isStopping { return nil }
                    // Idle: let rabbitmq-c answer heartbeats, then sleep until work or the broker arrives.
                    _ = try connection.nextPublisherEvent()
                    connection.waitForBroker(orWake: wakeUp, timeout: 0.5)
                    continue
                }
                if !batch.isEmpty {
                    // What is not sent when a publish fails stays in `batch` and fails below.
                    var sent = 0
                    defer { batch.removeFirst(sent) }
                    try connection.corked {
                        for pending in batch {
                            try connection.publish(pending.message)
                            outstanding[nextTag] = Outstanding(pending: pending, sentAt: .now)
                            nextTag += 1
                            sent += 1
                        }
                    }
                }
                // Collect every confirm that is already there.
                while !outstanding.isEmpty, let event = try connection.nextPublisherEvent() {
                    switch event {
                    case .ack(let tag, let multiple):
                        settle(tag, multiple: multiple, with: nil)
                    case .nack(let tag, let multiple):
                        settle(tag, multiple: multiple, with: AMQPError(.rejected, "RabbitMQ refused the message"))
                    case .returned(let messageID):
                        if let key = outstanding.first(where: { $0.value.pending.message.messageID == messageID })?.key
                        {
                            outstanding[key]?.returned = true
                        }
                    }
                }
                if ContinuousClock.now - lastTimeoutCheck > .milliseconds(100) {
                    lastTimeoutCheck = .now
                    let deadline = ContinuousClock.now - .seconds(confirmTimeout)
                    for (tag, entry) in outstanding where entry.sentAt < deadline {
                        outstanding[tag] = nil
                        entry.pending.confirmation.failed(
                            AMQPError(.timedOut, "RabbitMQ did not confirm within \(confirmTimeout) s"))
                    }
                }
                // Sleep until confirms arrive or new messages are queued.
                if !outstanding.isEmpty && state.withLock({ $0.queue.isEmpty }) {
                    connection.waitForBroker(orWake: wakeUp, timeout: 0.1)
                }
            }
        } catch {
            let lost = AMQPError(.connectionLost, "connection to RabbitMQ lost before the confirm")
            batch.forEach { $0.confirmation.failed(lost) }
            outstanding.values.forEach { $0.pending.confirmation.failed(lost) }
            return error
        }
    }
}
