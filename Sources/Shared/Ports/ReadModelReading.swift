import Foundation
import SopzContract
import SopzDomain

/// The read model: what the projector built from the event store, in the read database
/// (`SOPZ_READ_DATABASE_URL`). Every query of the API reads it, so reads keep working while
/// RabbitMQ, the dispatchers or the write database are down; it lags the write model by the
/// projector's step (read-your-writes: `ReadModelProgress`).
public protocol ReadModelReading: Sendable {
    /// The view of ticket `id`, nil when the projector has not seen it.
    func ticket(_ id: TicketID) async throws -> Ticket?
    /// One page of the tickets `query` selects, in its order.
    func tickets(_ query: TicketQuery) async throws -> Page<Ticket>
    /// Up to `limit` chat messages of ticket `id` in the order they were posted, after the
    /// message `after`; nil when `after` names no message of that ticket.
    func messages(of id: TicketID, after: UUID?, limit: Int) async throws -> MessagePage?
    /// Up to `limit` events of ticket `id` past version `afterVersion`, oldest first.
    func history(of id: TicketID, afterVersion: Int, limit: Int) async throws -> [HistoryEntry]
    /// Up to `limit` events of every ticket projected after `position`, in projection order,
    /// each with whose ticket it is (the live stream).
    func feed(after position: Int64, limit: Int) async throws -> [FeedEntry]
    /// The position of the last event projected (0 before the first).
    func feedHead() async throws -> Int64
    /// One page of the administrators the help desk knows (the pool tickets are assigned to),
    /// ordered by name (then id), after `cursor`, each with the tickets in their hands.
    func administrators(limit: Int, after cursor: ListCursor?) async throws -> Page<Administrator>
    /// The help desk's figures now and over `period`, as one consistent snapshot.
    func statistics(_ period: StatisticsPeriod) async throws -> Statistics
}

/// An event in the order the projector applied it, for the live stream: `position` grows with
/// every event, so a client that saw one has seen every event before it.
public struct FeedEntry: Sendable, Equatable, Encodable {
    public let position: Int64
    public let ticketId: TicketID
    /// The ticket's owner: who besides staff may see the event.
    public let ownerID: String
    public let entry: HistoryEntry

    private enum CodingKeys: String, CodingKey { case position, ticketId }

    public init(position: Int64, ticketId: TicketID, ownerID: String, entry: HistoryEntry) {
        self.position = position
        self.ticketId = ticketId
        self.ownerID = ownerID
        self.entry = entry
    }

    public func isVisible(to user: User) -> Bool { Ticket.isVisible(ownedBy: ownerID, to: user) }

    /// The entry's fields beside `position` and `ticketId` (the owner stays inside).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(position, forKey: .position)
        try container.encode(ticketId, forKey: .ticketId)
        try entry.encode(to: encoder)
    }
}

/// What a ticket list asks for (`GET /tickets`): who asks decides `ownerID`, the rest are filters.
public struct TicketQuery: Sendable, Equatable {
    /// Whose tickets an administrator's queue shows.
    public enum Assignee: Sendable, Equatable {
        case anyone
        /// Waiting for an administrator.
        case none
        case administrator(String)
    }

    /// Newest first, by when the ticket was opened or last changed.
    public enum Order: String, Sendable, Equatable, CaseIterable {
        case created, updated
    }

    /// Only this client's tickets (a client's list); nil for staff.
    public var ownerID: String?
    /// Any of these statuses; empty: every status.
    public var statuses: Set<TicketStatus> = []
    public var assignee: Assignee = .anyone
    public var category: String?
    /// Opened at or after.
    public var createdFrom: Date?
    /// Opened before.
    public var createdBefore: Date?
    /// Words to find in the title, description or chat (Russian and English stemming).
    public var text: String?
    public var order: Order = .created
    public var limit: Int = 50
    /// Where the previous page stopped: the order's timestamp and the id of its last ticket.
    public var cursor: ListCursor?

    public init() {}
}

/// Chat messages of a ticket, with what a cache needs to revalidate them.
public struct MessagePage: Sendable, Equatable {
    public let messages: [Message]
    /// True when more messages follow the last one (ask again `after` it).
    public let more: Bool

    public init(messages: [Message], more: Bool) {
        self.messages = messages
        self.more = more
    }
}

/// One event of a ticket's history: who did what, and when.
public struct HistoryEntry: Sendable, Equatable, Encodable {
    public let eventId: UUID
    public let version: Int
    /// What happened (`created`, `assigned`, …), as the event catalogue names it.
    public let type: String
    public let actorId: String
    public let occurredAt: Date
    public let change: TicketChange

    private enum CodingKeys: String, CodingKey { case eventId, version, type, actorId, occurredAt, data }

    public init(eventId: UUID, version: Int, actorId: String, occurredAt: Date, change: TicketChange) {
        self.eventId = eventId
        self.version = version
        self.type = EventCatalogue.name(of: change)
        self.actorId = actorId
        self.occurredAt = occurredAt
        self.change = change
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(eventId, forKey: .eventId)
        try container.encode(version, forKey: .version)
        try container.encode(type, forKey: .type)
        try container.encode(actorId, forKey: .actorId)
        try container.encode(occurredAt, forKey: .occurredAt)
        try EventCatalogue.data(of: change).encode(to: container.superEncoder(forKey: .data))
    }
}
