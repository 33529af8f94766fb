import Foundation

/// The outcome of applying one command to the current state of its ticket.
public enum TicketDecision: Hashable, Sendable {
    /// Append these events (in order) and store the resulting ticket.
    case accept(events: [TicketEvent], ticket: Ticket)
    /// Refuse; nothing changes but the command is recorded as rejected.
    case reject(TicketRejection)
    /// The ticket does not exist yet (its create command may still be in flight): try again later.
    case retryLater(reason: String)
}

/// The ticket lifecycle's single decision point: pure, so it is tested as a table.
public enum TicketRules {
    /// Decides what `envelope` does to `ticket` (nil when no ticket with that id exists), at `now`.
    public static func decide(_ envelope: CommandEnvelope, on ticket: Ticket?, now: Date) -> TicketDecision {
        switch envelope.command {
        case .create(let newTicket):
            return create(newTicket, envelope: envelope, existing: ticket, now: now)
        }
    }

    private static func create(
        _ newTicket: NewTicket, envelope: CommandEnvelope, existing: Ticket?, now: Date
    ) -> TicketDecision {
        guard envelope.issuer.has(.client) else {
            return .reject(.init(.forbidden, "only clients open tickets"))
        }
        guard existing == nil else {
            return .reject(.init(.conflict, "ticket \(envelope.ticketID) already exists"))
        }
        let violations = newTicket.violations()
        guard violations.isEmpty else {
            return .reject(.init(.invalidInput, "the ticket is not valid", violations: violations))
        }
        let ticket = Ticket(
            id: envelope.ticketID, ownerID: envelope.issuer.id, ownerName: envelope.issuer.name,
            title: newTicket.title, description: newTicket.description, category: newTicket.category,
            refund: newTicket.refund, status: .new, assigneeID: nil, createdAt: now, updatedAt: now, version: 1)
        let event = makeEvent(envelope, index: 0, version: 1, now: now, change: .created(ticket))
        return .accept(events: [event], ticket: ticket)
    }

    private static func makeEvent(
        _ envelope: CommandEnvelope, index: Int, version: Int, now: Date, change: TicketChange
    ) -> TicketEvent {
        TicketEvent(
            id: DerivedID.uuid(from: envelope.commandID.rawValue, label: "event-\(index)"),
            ticketID: envelope.ticketID, version: version, occurredAt: now, actorID: envelope.issuer.id,
            commandID: envelope.commandID, change: change)
    }
}
