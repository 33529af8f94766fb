import Foundation

/// The system's assignments: after every accepted command, waiting tickets (oldest first) go to
/// the available administrator with the fewest in hand, below capacity (`AssignmentPool`). A new
/// ticket assigned by the command that created it is assigned for `workload`; one that waited,
/// for `backlog`. The events are the command's (ids derived from it), with `system` as actor.
///
/// It reads the context without changing a copy of it (a batch's context may hold a backlog of
/// thousands, and copying it for every command would make a batch quadratic): the pool is small,
/// and the waiting tickets are walked in order, as the command left them.
enum AssignmentByWorkload {
    static func fill(
        after accepted: TicketDecision.Accepted, of envelope: CommandEnvelope, in context: DecisionContext
    ) -> TicketDecision.Accepted {
        var pool = context.pool
        var changed: [TicketID: Ticket] = [:]
        for member in accepted.administrators { pool.upsert(member) }
        for ticket in accepted.tickets {
            pool.account(before: changed[ticket.id] ?? context.tickets[ticket.id], after: ticket, at: context.now)
            changed[ticket.id] = ticket
        }
        guard pool.nextAssignee() != nil else { return accepted }
        let created = Set(
            accepted.events.compactMap { event -> TicketID? in
                if case .created = event.change { event.ticketID } else { nil }
            })
        var waiting = WaitingTickets(
            backlog: context.backlog, stored: context.tickets, changed: changed,
            newlyWaiting: accepted.tickets.filter { $0.isWaitingForAssignment && !context.backlog.contains($0.id) })
        var result = accepted
        var position = Dictionary(uniqueKeysWithValues: result.tickets.enumerated().map { ($1.id, $0) })
        while let member = pool.nextAssignee(), let ticket = waiting.next() {
            let assignment = Assignment(
                ticketId: ticket.id, administratorId: member.id, previousAdministratorId: nil, decidedBy: .system,
                reason: created.contains(ticket.id) ? .workload : .backlog, comment: nil, status: .assigned)
            let (events, assigned) = TicketRules.append(
                [.assigned(assignment)], to: ticket, by: envelope, firstIndex: result.events.count,
                actor: TicketEvent.systemActor, at: context.now)
            pool.account(before: ticket, after: assigned, at: context.now)
            result.events += events
            if let index = position[ticket.id] {
                result.tickets[index] = assigned
            } else {
                position[ticket.id] = result.tickets.count
                result.tickets.append(assigned)
            }
        }
        return result
    }
}

/// The tickets waiting after a command, oldest first, without building the backlog anew: the
/// stored backlog's order, leaving out those the command took out of it, merged with those it
/// put in (a new ticket, one handed back) after every one opened before or with them — the order
/// `Backlog.insert` keeps.
private struct WaitingTickets {
    var backlog: Backlog.Iterator
    let stored: [TicketID: Ticket]
    let changed: [TicketID: Ticket]
    var newlyWaiting: [Ticket]
    var peeked: Ticket?
    var backlogDone = false

    init(backlog: Backlog, stored: [TicketID: Ticket], changed: [TicketID: Ticket], newlyWaiting: [Ticket]) {
        self.backlog = backlog.makeIterator()
        self.stored = stored
        self.changed = changed
        // Stable: those opened together stay in the order the command gave them.
        self.newlyWaiting = newlyWaiting.enumerated().sorted {
            ($0.element.createdAt, $0.offset) < ($1.element.createdAt, $1.offset)
        }
        .map(\.element).reversed()
    }

    mutating func next() -> Ticket? {
        if peeked == nil, !backlogDone {
            peeked = nextFromBacklog()
            backlogDone = peeked == nil
        }
        if let newest = newlyWaiting.last, peeked.map({ $0.createdAt > newest.createdAt }) ?? true {
            return newlyWaiting.removeLast()
        }
        defer { peeked = nil }
        return peeked
    }

    private mutating func nextFromBacklog() -> Ticket? {
        while let id = backlog.next() {
            if let ticket = changed[id] ?? stored[id], ticket.isWaitingForAssignment { return ticket }
        }
        return nil
    }
}
