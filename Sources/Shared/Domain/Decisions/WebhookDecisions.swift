import Foundation

/// Commands on webhook subscriptions: a manager's — register, rotate the secret, disable, enable,
/// delete, replay a delivery — and the notifier's `receiverGone`. A subscription that is deleted
/// (or was never registered) takes nothing.
enum WebhookDecisions {
    static let goneReason = "the receiver answered 410 Gone"

    static func decide(
        _ command: WebhookCommand, envelope: CommandEnvelope, in context: DecisionContext
    )
        -> TicketDecision
    {
        // `receiverGone` is the notifier's (no route sends it), and it can only stop deliveries.
        if case .receiverGone = command {
        } else if !envelope.issuer.has(.manager) {
            return .reject(.init(.forbidden, "only managers manage webhooks"))
        }
        let violations = envelope.command.violations()
        guard violations.isEmpty else {
            return .reject(.init(.invalidInput, "the request is not valid", violations: violations))
        }
        let id = command.webhookID(in: envelope)
        let now = context.now
        if case .register(let new) = command {
            guard context.webhooks[id] == nil else { return .reject(.init(.conflict, "the webhook exists already")) }
            return accept(
                WebhookSubscription(
                    id: id, url: new.url, events: new.eventNames, description: new.description,
                    createdBy: envelope.issuer.id, createdAt: now, secretMadeBy: envelope.commandID))
        }
        guard var webhook = context.webhooks[id], webhook.status != .deleted else {
            return .reject(.init(.notFound, "there is no such webhook"))
        }
        switch command {
        case .register: break
        case .rotateSecret(_, let rotation):
            webhook.secretGeneration += 1
            webhook.previousSecretMadeBy = webhook.secretMadeBy
            webhook.secretMadeBy = envelope.commandID
            webhook.previousSecretValidUntil =
                rotation.keepPrevious > 0 ? now.addingTimeInterval(rotation.keepPrevious) : nil
        case .disable(_, let disabling):
            webhook.status = .disabled
            webhook.disabledReason = disabling.reason ?? "disabled by a manager"
        case .enable:
            webhook.status = .active
            webhook.disabledReason = nil
        case .delete:
            webhook.status = .deleted
        case .replay(_, let delivery):
            guard webhook.status == .active else {
                return .reject(.init(.conflict, "the webhook is disabled: enable it, then replay"))
            }
            return .accept(.init(events: [], tickets: [], replays: [.init(webhookID: id, deliveryID: delivery)]))
        case .receiverGone:
            guard webhook.status == .active else { return .accept(.init(events: [], tickets: [])) }
            webhook.status = .disabled
            webhook.disabledReason = Self.goneReason
        }
        webhook.version += 1
        webhook.updatedAt = now
        return accept(webhook)
    }

    private static func accept(_ webhook: WebhookSubscription) -> TicketDecision {
        .accept(.init(events: [], tickets: [], webhooks: [webhook]))
    }
}
