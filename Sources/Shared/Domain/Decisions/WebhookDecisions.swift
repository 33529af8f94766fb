import Foundation

/// Commands on webhook subscriptions, all a manager's: register, rotate the secret, disable,
/// enable, delete. A subscription that is deleted (or was never registered) takes nothing.
enum WebhookDecisions {
    static func decide(
        _ command: WebhookCommand, envelope: CommandEnvelope, in context: DecisionContext
    )
        -> TicketDecision
    {
        guard envelope.issuer.has(.manager) else {
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
        }
        webhook.version += 1
        webhook.updatedAt = now
        return accept(webhook)
    }

    private static func accept(_ webhook: WebhookSubscription) -> TicketDecision {
        .accept(.init(events: [], tickets: [], webhooks: [webhook]))
    }
}
