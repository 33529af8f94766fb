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

    /// `created`, `assigned`, … — the `<event>` in routing key `ticket.<event>` (architecture §5).
    public var name: String { change.name }
}

/// The domain meaning of an event.
public enum TicketChange: Hashable, Sendable {
    case created(Ticket)

    public var name: String {
        switch self {
        case .created: "created"
        }
    }

    /// The event's data as external consumers receive it (the CloudEvents `data`).
    public var payload: any Encodable & Sendable {
        switch self {
        case .created(let ticket): ticket
        }
    }
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
