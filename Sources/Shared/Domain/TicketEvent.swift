import Foundation

/// Something that happened to a ticket: appended to the event store, never changed.
public struct TicketEvent: Hashable, Sendable {
    /// Stable across redeliveries (derived from the command), so consumers can deduplicate.
    public let id: UUID
    public let ticketID: TicketID
    /// 1 for the first event of a ticket, then 2, 3, …
    public let version: Int
    public let occurredAt: Date
    public let actorID: String
    public let commandID: CommandID
    public let change: TicketChange

    public init(
        id: UUID, ticketID: TicketID, version: Int, occurredAt: Date, actorID: String, commandID: CommandID,
        change: TicketChange
    ) {
        self.id = id
        self.ticketID = ticketID
        self.version = version
        self.occurredAt = occurredAt
        self.actorID = actorID
        self.commandID = commandID
        self.change = change
    }
}

/// The domain meaning of an event. (How each is named and shaped for the world is the event
/// catalogue's: SopzContract `EventCatalogue`.)
public enum TicketChange: Hashable, Sendable {
    case created(Ticket)
}

extension Ticket {
    /// The ticket an event sequence leads to; `nil` before `created`.
    public static func replay(_ events: [TicketEvent]) -> Ticket? {
        events.reduce(nil) { ticket, event in ticket.applying(event) }
    }
}

extension Optional where Wrapped == Ticket {
    /// The state after one more event.
    public func applying(_ event: TicketEvent) -> Ticket? {
        switch event.change {
        case .created(let ticket): ticket
        }
    }
}
