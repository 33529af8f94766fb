/// `ticket.create`: a client opens a ticket; it starts `new`, owned by them.
enum CreateTicket {
    static func decide(_ newTicket: NewTicket, envelope: CommandEnvelope, in context: DecisionContext) -> TicketDecision
    {
        guard envelope.issuer.has(.client) else {
            return .reject(.init(.forbidden, "only clients open tickets"))
        }
        guard context.ticket(envelope.ticketID) == nil else {
            return .reject(.init(.conflict, "ticket \(envelope.ticketID) already exists"))
        }
        let violations = newTicket.violations()
        guard violations.isEmpty else {
            return .reject(.init(.invalidInput, "the ticket is not valid", violations: violations))
        }
        let now = context.now
        let ticket = Ticket(
            id: envelope.ticketID, ownerID: envelope.issuer.id, ownerName: envelope.issuer.name,
            title: newTicket.title, description: newTicket.description, category: newTicket.category,
            refund: newTicket.refund, status: .new, assigneeID: nil, createdAt: now, updatedAt: now, version: 1)
        let event = TicketRules.event(envelope, index: 0, version: 1, at: now, change: .created(ticket))
        return .accept(.init(events: [event], tickets: [ticket]))
    }
}
