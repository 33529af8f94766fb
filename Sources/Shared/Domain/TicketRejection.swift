/// Why a command was refused: a business outcome (a value), not an infrastructure error.
/// The HTTP edge turns it into an RFC 9457 problem; the status lives there, not here.
public struct TicketRejection: Hashable, Sendable, Codable, Error {
    public enum Code: String, Hashable, Sendable, Codable {
        case invalidInput = "invalid-input"
        case forbidden
        case notFound = "not-found"
        case conflict
        case invalidTransition = "invalid-transition"
        /// Closed and cancelled tickets take nothing more.
        case ticketFinal = "ticket-final"
        /// The ticket was closed or cancelled long ago and left the write model (retention): it
        /// can be read, not changed — nor its id taken again.
        case ticketArchived = "ticket-archived"
        /// `If-Match` named a version the ticket has moved on from.
        case ticketChanged = "ticket-changed"
        /// A manager's assignment beyond the capacity cap, without saying so.
        case administratorAtCapacity = "administrator-at-capacity"
        /// An assignment to an administrator who takes no new tickets.
        case administratorUnavailable = "administrator-unavailable"
        /// A move of a refund ticket while its refund saga runs.
        case refundInProgress = "refund-in-progress"
    }

    public let code: Code
    public let detail: String
    public let violations: [FieldViolation]

    public init(_ code: Code, _ detail: String, violations: [FieldViolation] = []) {
        self.code = code
        self.detail = detail
        self.violations = violations
    }

    /// Any command on an archived ticket.
    public static let archived = TicketRejection(
        .ticketArchived, "the ticket was closed long ago and archived: it can be read, no longer changed")
}
