import Foundation

/// What a decision may look at: the state its batch's store locked and loaded, as the commands
/// before it in the batch left it, and the time the batch is applied at. Decisions read it; the
/// batch plan moves it on after each accepted command.
public struct DecisionContext: Sendable {
    public let now: Date
    /// Tickets by id, locked for the batch; a missing id has no ticket (yet).
    public private(set) var tickets: [TicketID: Ticket]
    /// The administrators and their loads, locked for the batch.
    public private(set) var pool: AssignmentPool
    /// Tickets waiting for an administrator (`new`, nobody's) in the order they were opened —
    /// as many of the oldest as the batch could possibly assign (`BacklogBound`); each is in
    /// `tickets`.
    public private(set) var backlog: Backlog
    /// Of the tickets the batch addresses, those archived (gone from the write model, long final).
    public let archived: Set<TicketID>
    /// The webhook subscriptions the batch addresses, locked; a missing id has none.
    public private(set) var webhooks: [WebhookID: WebhookSubscription]
    /// The latest saga of each refund ticket the batch addresses (locked with the ticket).
    public private(set) var sagas: [TicketID: TicketSaga]
    /// The sagas a resolution may start (their step timeouts are the operator's).
    public var sagaCatalogue = SagaCatalogue.standard

    public init(
        now: Date, tickets: [TicketID: Ticket], pool: AssignmentPool = AssignmentPool(capacity: 0, members: []),
        backlog: [TicketID] = [], archived: Set<TicketID> = [], webhooks: [WebhookID: WebhookSubscription] = [:],
        sagas: [TicketID: TicketSaga] = [:]
    ) {
        self.sagas = sagas
        self.now = now
        self.tickets = tickets
        self.pool = pool
        self.backlog = Backlog(backlog)
        self.archived = archived
        self.webhooks = webhooks
    }

    public func ticket(_ id: TicketID?) -> Ticket? { id.flatMap { tickets[$0] } }

    /// The state after `accepted` (what a later command of the batch sees). Loads follow the
    /// tickets: whoever a ticket in hand is assigned to carries it, so no decision counts them.
    public mutating func apply(_ accepted: TicketDecision.Accepted) {
        for member in accepted.administrators { pool.upsert(member) }
        for webhook in accepted.webhooks { webhooks[webhook.id] = webhook }
        for saga in accepted.sagas { sagas[saga.ticketID] = saga }
        for ticket in accepted.tickets {
            let before = tickets[ticket.id]
            pool.account(before: before, after: ticket, at: now)
            tickets[ticket.id] = ticket
            if !ticket.isWaitingForAssignment {
                backlog.remove(ticket.id)
            } else {
                // In order of opening; a new ticket (opened now) goes last, a handed-back one
                // among those opened at its time.
                backlog.insert(ticket.id, openedAt: ticket.createdAt) { tickets[$0]?.createdAt ?? .distantPast }
            }
        }
    }
}

extension Ticket {
    /// In the backlog: new and nobody's.
    public var isWaitingForAssignment: Bool { status == .new && assigneeID == nil }
}
