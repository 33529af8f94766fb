/// The outcome of applying one command to the current state of its ticket.
public enum TicketDecision: Hashable, Sendable {
    /// Append these events (in order) and store the resulting ticket.
    case accept(events: [TicketEvent], ticket: Ticket)
    /// Refuse; nothing changes but the command is recorded as rejected.
    case reject(TicketRejection)
    /// The ticket does not exist yet (its create command may still be in flight): try again later.
    case retryLater(reason: String)
}
