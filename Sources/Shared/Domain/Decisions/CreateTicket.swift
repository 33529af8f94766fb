/// `ticket.create`: a client opens a ticket; it starts `new`, owned by them (and is assigned
/// by workload straight after, if anyone has capacity).
enum CreateTicket {
    static func decide(_ newTicket: NewTicket, envelope: CommandEnvelope, in context: DecisionContext) -> TicketDecision
    {
        guard envelope.issuer.has(.client) else {
            return .reject(.init(.forbidden, "only clients open tickets"))
        }
        guard let id = envelope.ticketID else {
            return .reject(.init(.invalidInput, "a new ticket needs an id"))
        }
        guard context.ticket(id) == nil else {
            return .reject(.init(.conflict, "ticket \(id) already exists"))
        }
        let violations = newTicket.violations()
        guard violations.isEmpty else {
            return .reject(.init(.invalidInput, "the ticket is not valid", violations: violations))
        }
        let now = context.now
        let ticket = Ticket(
            id: id, ownerID: envelope.issuer.id, ownerName: envelope.issuer.name,
            title: newTicket.title, description: newTicket.description, category: newTicket.category,
            refund: newTicket.refund, status: .new, assigneeID: nil, createdAt: now, updatedAt: now, version: 1)
        let event = TicketRules.event(envelope, ticket: id, index: 0, version: 1, at: now, change: .created(ticket))
        return .accept(.init(events: [event], tickets: [ticket]))
    }
}
