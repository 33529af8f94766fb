import Foundation

/// The single point where a command becomes a decision: pure, so it is tested as a table. Each
/// command's rules live in a file of their own beside this one.
public enum TicketRules {
    /// Decides what `envelope` does, given the state in `context`. After every accepted command
    /// the backlog is given to whoever has capacity (`AssignmentByWorkload`): a new ticket, freed
    /// capacity or an administrator becoming available all end there.
    public static func decide(_ envelope: CommandEnvelope, in context: DecisionContext) -> TicketDecision {
        if let id = envelope.ticketID, context.archived.contains(id) {
            return .reject(.archived)
        }
        let decision: TicketDecision =
            switch envelope.command {
            case .create(let newTicket): CreateTicket.decide(newTicket, envelope: envelope, in: context)
            case .setAvailability(let availability):
                AdministratorDecisions.setAvailability(availability, envelope: envelope, in: context)
            case .registerAdministrator: AdministratorDecisions.register(envelope, in: context)
            case .webhook(let command): WebhookDecisions.decide(command, envelope: envelope, in: context)
            case .saga(let command): RefundSaga.decide(command, envelope: envelope, in: context)
            case .cancel, .changeStatus, .confirm, .reopen, .assign, .postMessage:
                WorkTicket.decide(envelope, in: context)
            }
        guard case .accept(let accepted) = decision else { return decision }
        return .accept(AssignmentByWorkload.fill(after: accepted, of: envelope, in: context))
    }

    /// The event an accepted command appends as its `index`-th, numbered `version` on its ticket:
    /// its id derives from the command's, so a redelivered command gives the same event.
    static func event(
        _ envelope: CommandEnvelope, ticket: TicketID, index: Int, version: Int, at now: Date,
        actor: String? = nil, change: TicketChange
    ) -> TicketEvent {
        TicketEvent(
            id: DerivedID.uuid(from: envelope.commandID.rawValue, label: "event-\(index)"),
            ticketID: ticket, version: version, occurredAt: now, actorID: actor ?? envelope.issuer.id,
            commandID: envelope.commandID, change: change)
    }

    /// Events for `changes` on `ticket`, numbered after its version, and the ticket they lead to.
    static func append(
        _ changes: [TicketChange], to ticket: Ticket, by envelope: CommandEnvelope, firstIndex: Int = 0,
        actor: String? = nil, at now: Date
    ) -> (events: [TicketEvent], ticket: Ticket) {
        var current = ticket
        var events: [TicketEvent] = []
        for (offset, change) in changes.enumerated() {
            let event = event(
                envelope, ticket: ticket.id, index: firstIndex + offset, version: current.version + 1, at: now,
                actor: actor, change: change)
            current = Optional(current).applying(event) ?? current
            events.append(event)
        }
        return (events, current)
    }
}
