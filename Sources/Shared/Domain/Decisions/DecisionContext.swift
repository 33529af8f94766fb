import Foundation

/// What a decision may look at: the state its batch's store locked and loaded, as the commands
/// before it in the batch left it, and the time the batch is applied at. Decisions read it; the
/// batch plan moves it on after each accepted command.
public struct DecisionContext: Sendable {
    public let now: Date
    /// Tickets by id, locked for the batch; a missing id has no ticket (yet).
    public private(set) var tickets: [TicketID: Ticket]

    public init(now: Date, tickets: [TicketID: Ticket]) {
        self.now = now
        self.tickets = tickets
    }

    public func ticket(_ id: TicketID) -> Ticket? { tickets[id] }

    /// The state after `accepted` (what a later command of the batch sees).
    public mutating func apply(_ accepted: TicketDecision.Accepted) {
        for ticket in accepted.tickets { tickets[ticket.id] = ticket }
    }
}
