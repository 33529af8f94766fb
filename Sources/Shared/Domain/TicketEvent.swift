import Foundation

/// Something that happened to a ticket: appended to the event store, never changed.
public struct TicketEvent: Hashable, Sendable {
    /// Stable across redeliveries (derived from the command), so consumers can deduplicate.
    public let id: UUID
    public let ticketID: TicketID
    /// 1 for the first event of a ticket, then 2, 3, …
    public let version: Int
    public let occurredAt: Date
    /// Who did it: the issuer's id, or `system` for what the help desk decided itself.
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

    /// The actor id of what the help desk decides itself (assignment by workload).
    public static let systemActor = "system"
}

/// The domain meaning of an event. (How each is named and shaped for the world is the event
/// catalogue's: SopzContract `EventCatalogue`.) Each carries what a consumer needs without
/// asking for the ticket, and enough to replay the ticket from its events.
public enum TicketChange: Hashable, Sendable {
    case created(Ticket)
    case assigned(Assignment)
    case unassigned(Unassignment)
    /// Any move along the lifecycle except to `resolved` and `cancelled`, which have their own.
    case statusChanged(StatusTransition)
    case resolved(StatusTransition)
    case cancelled(StatusTransition)
    case messagePosted(Message)
}

/// Who decided an assignment, and why.
public enum AssignmentDecider: String, Hashable, Sendable, Codable {
    case system, manager
}

public enum AssignmentReason: String, Hashable, Sendable, Codable {
    /// A new ticket went to the least loaded available administrator.
    case workload
    /// A waiting ticket went to an administrator whose capacity freed.
    case backlog
    /// A manager chose.
    case manual
}

/// `ticket.assigned`: the ticket is now `administratorId`'s.
public struct Assignment: Hashable, Sendable, Codable {
    public let ticketId: TicketID
    public let administratorId: String
    public let previousAdministratorId: String?
    public let decidedBy: AssignmentDecider
    public let reason: AssignmentReason
    /// The manager's note, if they gave one.
    public let comment: String?
    public let status: TicketStatus
}

/// `ticket.unassigned`: back in the pool (`new`), to be assigned by workload.
public struct Unassignment: Hashable, Sendable, Codable {
    public let ticketId: TicketID
    public let previousAdministratorId: String
    public let decidedBy: AssignmentDecider
    public let reason: AssignmentReason
    public let comment: String?
}

/// A move from one status to another, with the actor's note (a comment or a reason).
public struct StatusTransition: Hashable, Sendable, Codable {
    public let ticketId: TicketID
    public let from: TicketStatus
    public let to: TicketStatus
    public let comment: String?
    /// On a refund ticket's resolution: what was refunded, and billing's and the ledger's references.
    public var refund: RefundResolution? = nil
}

/// A refund carried out (the refund saga succeeded): what the client asked for, with the
/// references billing and the ledger gave.
public struct RefundResolution: Hashable, Sendable, Codable {
    public let orderId: String
    public let amount: Decimal
    public let currency: String
    /// Billing's reference for the refund.
    public let reference: String?
    /// The ledger's reference for its record of it.
    public let ledgerReference: String?

    init(_ refund: RefundRequest, references: [String: String]) {
        orderId = refund.orderId
        amount = refund.amount
        currency = refund.currency
        reference = references["billing.refund"]
        ledgerReference = references["ledger.record"]
    }
}

/// `ticket.message_posted`: a chat message, stored as sent (never interpreted as markup).
public struct Message: Hashable, Sendable, Codable {
    /// Derived from the command, so a redelivered message is the same message.
    public let messageId: UUID
    public let ticketId: TicketID
    public let authorId: String
    public let authorName: String
    public let authorRole: AuthorRole
    public let body: String
    public let postedAt: Date

    public enum AuthorRole: String, Hashable, Sendable, Codable {
        case client, administrator
        /// The help desk itself (the refund saga explains a failure this way).
        case system
    }

    public init(
        messageId: UUID, ticketId: TicketID, authorId: String, authorName: String, authorRole: AuthorRole,
        body: String, postedAt: Date
    ) {
        self.messageId = messageId
        self.ticketId = ticketId
        self.authorId = authorId
        self.authorName = authorName
        self.authorRole = authorRole
        self.body = body
        self.postedAt = postedAt
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
        if case .created(let ticket) = event.change { return ticket }
        guard var ticket = self else { return nil }
        switch event.change {
        case .created: break
        case .assigned(let assignment):
            ticket.assigneeID = assignment.administratorId
            ticket.status = assignment.status
        case .unassigned:
            ticket.assigneeID = nil
            ticket.status = .new
        case .statusChanged(let move), .resolved(let move), .cancelled(let move):
            ticket.status = move.to
        case .messagePosted: break
        }
        ticket.version = event.version
        ticket.updatedAt = event.occurredAt
        return ticket
    }
}
