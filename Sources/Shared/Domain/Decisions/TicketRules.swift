import Foundation

/// The single point where a command becomes a decision: pure, so it is tested as a table. Each
/// command's rules live in a file of their own beside this one.
public enum TicketRules {
    /// Decides what `envelope` does, given the state in `context`.
    public static func decide(_ envelope: CommandEnvelope, in context: DecisionContext) -> TicketDecision {
        switch envelope.command {
        case .create(let newTicket): CreateTicket.decide(newTicket, envelope: envelope, in: context)
        }
    }

    /// The event an accepted command appends as its `index`-th, numbered `version` on its ticket:
    /// its id derives from the command's, so a redelivered command gives the same event.
    static func event(
        _ envelope: CommandEnvelope, index: Int, version: Int, at now: Date, change: TicketChange
    ) -> TicketEvent {
        TicketEvent(
            id: DerivedID.uuid(from: envelope.commandID.rawValue, label: "event-\(index)"),
            ticketID: envelope.ticketID, version: version, occurredAt: now, actorID: envelope.issuer.id,
            commandID: envelope.commandID, change: change)
    }
}
