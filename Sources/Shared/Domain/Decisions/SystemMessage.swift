/// A message the help desk itself writes in a ticket's chat (author `system`): the refund saga
/// explains a failed refund this way. Part of a decision of another command — its events are that
/// command's — and allowed wherever the lifecycle lets `system` post.
enum SystemMessage {
    static func post(
        _ body: String, on ticket: Ticket, for envelope: CommandEnvelope, firstIndex: Int, in context: DecisionContext
    ) -> (events: [TicketEvent], ticket: Ticket)? {
        guard Lifecycle.cell(ticket.status, .postMessage, by: .system) == .stays else { return nil }
        let message = Message(
            messageId: DerivedID.uuid(from: envelope.commandID.rawValue, label: "system-message-\(firstIndex)"),
            ticketId: ticket.id, authorId: TicketEvent.systemActor, authorName: "Sopz", authorRole: .system, body: body,
            postedAt: context.now)
        return TicketRules.append(
            [.messagePosted(message)], to: ticket, by: envelope, firstIndex: firstIndex, actor: TicketEvent.systemActor,
            at: context.now)
    }
}
