import SopzDomain

/// What the projector writes to the read model for a run of events from the event store, worked
/// out without I/O: each ticket's view moved on by its events in version order, its chat
/// messages and its history.
///
/// Idempotent: an event whose version the view already has was applied before (a replica that
/// read the same run, a retried transaction) and is left out. A version beyond the next one is a
/// gap — an event the projector has not seen — and stops the plan rather than skipping it.
public struct ProjectionPlan: Sendable {
    /// The final state of every view the run changed, in the order they were first changed.
    public var tickets: [Ticket] { order.compactMap { views[$0] } }
    /// New chat messages, with the version of the event that posted each.
    public private(set) var messages: [(message: Message, version: Int)] = []
    /// Every event applied, in order (the ticket's history).
    public private(set) var history: [TicketEvent] = []
    /// Events left out because their view had them already.
    public private(set) var alreadyApplied = 0

    private var views: [TicketID: Ticket]
    private var order: [TicketID] = []

    /// Applies `events` (in the event store's order) to the `views` stored now.
    public init(_ events: [TicketEvent], views stored: [TicketID: Ticket]) throws(ProjectionGap) {
        views = stored
        var changed = Set<TicketID>()
        for event in events {
            let current = views[event.ticketID]
            let next = (current?.version ?? 0) + 1
            if event.version < next {
                alreadyApplied += 1
                continue
            }
            guard event.version == next, let moved = current.applying(event) else {
                throw ProjectionGap(ticketID: event.ticketID, expectedVersion: next, found: event.version)
            }
            views[event.ticketID] = moved
            if changed.insert(event.ticketID).inserted { order.append(event.ticketID) }
            history.append(event)
            if case .messagePosted(let message) = event.change { messages.append((message, event.version)) }
        }
    }
}

/// An event arrived before one its ticket needs first: the projection waits instead of skipping.
public struct ProjectionGap: Error, Equatable {
    public let ticketID: TicketID
    public let expectedVersion: Int
    public let found: Int
}
