import Foundation
import Logging
import ServiceLifecycle
import SopzAMQP
import SopzContract
import SopzDomain
import SopzPostgres
import SopzRuntime

/// Delivers webhooks: claims due deliveries and tries each, up to `concurrency` at once, every
/// attempt on a task of its own with its own deadline — so a slow or dead receiver holds one slot
/// for at most the sender's timeout and never the others, the outbox relay or the dispatchers.
/// A freed slot takes the next due delivery at once; with nothing due it looks again every
/// `pollInterval`. On shutdown it stops claiming and lets the attempts in flight finish.
struct WebhookDeliveryService: Service {
    let deliveries: WebhookDeliveryStore
    let sender: WebhookSender
    let secrets: WebhookSecrets
    /// Sends the command that disables a subscription whose receiver answered 410 Gone.
    let commands: @Sendable (CommandEnvelope) async throws -> Void
    let schemaReady: Gate
    var metrics: WebhookMetrics
    let logger: Logger
    var concurrency = 32
    var pollInterval: Duration = .seconds(1)
    var random: @Sendable () -> Double = { Double.random(in: 0...1) }

    /// The notifier, as the issuer of the commands it sends.
    static let issuer = User(id: "sopz-notifier", name: "Sopz notifier", roles: [])

    func run() async throws {
        guard await schemaReady.waitUnlessShuttingDown() else { return }
        await withTaskGroup(of: Bool.self) { group in
            var running = 0
            var sleeping = false
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                if running < concurrency {
                    let claimed = await claim(limit: concurrency - running)
                    for delivery in claimed { group.addTask { await attempt(delivery) } }
                    running += claimed.count
                    if !claimed.isEmpty, running < concurrency { continue }
                }
                if !sleeping {
                    group.addTask { [pollInterval] in
                        try? await Task.sleep(for: pollInterval)
                        return false
                    }
                    sleeping = true
                }
                guard let deliveryFinished = await group.next() else { break }
                if deliveryFinished { running -= 1 } else { sleeping = false }
            }
            await group.waitForAll()
        }
    }

    private func claim(limit: Int) async -> [ClaimedDelivery] {
        do {
            return try await deliveries.claimDue(limit: limit)
        } catch {
            logger.warning("could not claim webhook deliveries", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// One attempt: signed, sent, judged, recorded. Returns true (a delivery slot is free again).
    func attempt(_ delivery: ClaimedDelivery) async -> Bool {
        let at = Date()
        let started = ContinuousClock.now
        let body = delivery.message.body
        let headers = StandardWebhooks.headers(
            id: delivery.message.id, timestamp: Int(at.timeIntervalSince1970), body: body,
            secrets: secrets.signingSecrets(of: delivery.webhook, at: at))
        let outcome = await sender.post(to: delivery.webhook.url, headers: headers, body: body)
        let latency = ContinuousClock.now - started
        let verdict = DeliverySchedule.verdict(status: outcome.status)
        let result: WebhookDeliveryStore.Result
        switch verdict {
        case .delivered: result = .delivered
        case .gone: result = .givenUp
        case .failed:
            result =
                DeliverySchedule.wait(afterAttempt: delivery.attempt, random: random()).map {
                    .retry(at: at.addingTimeInterval($0))
                } ?? .givenUp
        }
        metrics.attempted(verdict: verdict, result: result, latency: latency)
        do {
            if verdict == .gone { try await receiverGone(delivery) }
            try await deliveries.record(
                delivery: delivery.id, attempt: delivery.attempt, at: at, status: outcome.status, latency: latency,
                error: outcome.error, result: result)
        } catch {
            // Recorded nowhere: the lease runs out and the delivery is tried again (receivers
            // deduplicate by webhook-id).
            logger.warning(
                "could not record a webhook attempt", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
        return true
    }

    /// Disables the subscription through the command path; the id derives from the delivery, so
    /// sending it again changes nothing.
    private func receiverGone(_ delivery: ClaimedDelivery) async throws {
        let id = CommandID(DerivedID.uuid(from: delivery.webhook.id.rawValue, label: "gone-\(delivery.id)"))
        try await commands(
            CommandEnvelope(
                commandID: id, issuedAt: Date(), issuer: Self.issuer, ticketID: nil,
                command: .webhook(.receiverGone(delivery.webhook.id))))
        logger.notice(
            "a webhook receiver answered 410 Gone: its subscription is disabled",
            metadata: ["webhook": "\(delivery.webhook.id)"])
    }
}
