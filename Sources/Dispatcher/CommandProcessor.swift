import Foundation
import Logging
import ServiceLifecycle
import SopzDomain
import SopzAMQP
import SopzContract
import SopzPostgres
import SopzProcessing
import SopzRuntime

/// What to do with a delivery once processing ends.
enum Settlement: Equatable {
    /// Applied, rejected or a duplicate: the outcome is committed.
    case ack
    /// Poison: move it to `sopz.dead` with this reason.
    case deadLetter(reason: String)
    /// Shutting down before it could be applied: give it back to the queue.
    case requeue
}

/// Applies one delivered command to PostgreSQL, retrying what is worth retrying.
struct CommandProcessor: Sendable {
    /// Applies one command in a committed transaction (batched with others by `CommandBatcher`).
    let apply: @Sendable (CommandEnvelope) async throws -> ApplyOutcome
    let notifications: CommitNotifications
    let logger: Logger
    /// What became of each command, for `/metrics`.
    var metrics = DispatcherMetrics()
    /// Attempts (including deliveries before this one) before a command is dead-lettered.
    var maxAttempts = 8
    /// Backoff between attempts of one command.
    var retryBackoff = Backoff(initial: 0.05, maximum: 2)
    /// Backoff while the database is unreachable.
    var outageBackoff = Backoff(initial: 0.2, maximum: 5)
    /// Waits between attempts (seconds); tests replace it to see the delays without waiting them.
    var pause: @Sendable (Double) async -> Void = { try? await Task.sleep(for: .seconds($0)) }

    func process(_ delivery: Delivery) async -> Settlement {
        let envelope: CommandEnvelope
        do {
            envelope =
                delivery.exchange == Topology.integrationExchange
                // Another system's reply to a saga: the command is made here, from what it says.
                ? try JSONCoding.decoder().decode(SagaReplyMessage.self, from: Data(delivery.body))
                    .envelope(receivedAt: Date())
                : try JSONCoding.decoder().decode(CommandEnvelope.self, from: Data(delivery.body))
        } catch {
            metrics.settled(.deadLettered, type: nil)
            return .deadLetter(reason: "undecodable command: \(Self.describe(error))")
        }
        var logger = logger
        logger[metadataKey: "command.id"] = "\(envelope.commandID)"
        logger[metadataKey: "command.type"] = "\(envelope.command.type)"

        var attempts = delivery.previousDeliveries
        var retryBackoff = retryBackoff
        var outageBackoff = outageBackoff
        while true {
            if Task.isCancelled || Task.isShuttingDownGracefully { return .requeue }
            let delay: Double
            do {
                let outcome = try await apply(envelope)
                outageBackoff.reset()  // the database answered: a later outage starts short again
                switch outcome {
                case .applied, .rejected, .duplicate:
                    metrics.settled(outcome, envelope)
                    // Also for a duplicate: a request repeating an Idempotency-Key may be waiting.
                    notifications.finished(envelope.commandID)
                    return .ack
                case .retryLater(let reason):
                    attempts += 1
                    if attempts >= maxAttempts {
                        metrics.settled(.deadLettered, type: envelope.command.type)
                        return .deadLetter(reason: "attempts exhausted: \(reason)")
                    }
                    metrics.retried(.attempt)
                    delay = retryBackoff.next()
                }
            } catch {
                switch FailureKind(error) {
                case .outage:
                    metrics.retried(.outage)
                    delay = outageBackoff.next()
                    logger.warning("database unavailable; holding the command", metadata: ["error": "\(error)"])
                case .attempt:
                    attempts += 1
                    logger.warning("command failed", metadata: ["error": "\(String(reflecting: error))"])
                    if attempts >= maxAttempts {
                        metrics.settled(.deadLettered, type: envelope.command.type)
                        return .deadLetter(reason: "attempts exhausted: \(Self.describe(error))")
                    }
                    metrics.retried(.attempt)
                    delay = retryBackoff.next()
                }
            }
            await pause(delay)
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): context.debugDescription
        case DecodingError.keyNotFound(let key, _): "missing field \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context): "wrong type at \(context.codingPath.map(\.stringValue))"
        case DecodingError.valueNotFound(_, let context): "missing value at \(context.codingPath.map(\.stringValue))"
        default: String(describing: error)
        }
    }
}
