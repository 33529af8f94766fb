import SopzDomain

/// The result of applying one command in one transaction.
public enum ApplyOutcome: Sendable, Equatable {
    /// Accepted and committed; the command's ticket as it left it (nil for a command that
    /// addresses no ticket).
    case applied(Ticket?)
    /// Seen before (redelivery or a repeated Idempotency-Key): nothing changed.
    case duplicate
    case rejected(TicketRejection)
    /// Nothing committed; try the command again later.
    case retryLater(reason: String)
}
