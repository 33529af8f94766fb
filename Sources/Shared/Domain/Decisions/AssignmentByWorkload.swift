/// The system's assignments: after every accepted command, waiting tickets (oldest first) go to
/// the available administrator with the fewest in hand, below capacity (`AssignmentPool`). A new
/// ticket assigned by the command that created it is assigned for `workload`; one that waited,
/// for `backlog`. The events are the command's (ids derived from it), with `system` as actor.
enum AssignmentByWorkload {
    static func fill(
        after accepted: TicketDecision.Accepted, of envelope: CommandEnvelope, in context: DecisionContext
    ) -> TicketDecision.Accepted {
        var context = context
        context.apply(accepted)
        var result = accepted
        let created = Set(
            accepted.events.compactMap { event -> TicketID? in
                if case .created = event.change { event.ticketID } else { nil }
            })
        while let id = context.backlog.first, let ticket = context.ticket(id), let member = context.pool.nextAssignee()
        {
            let assignment = Assignment(
                ticketId: id, administratorId: member.id, previousAdministratorId: nil, decidedBy: .system,
                reason: created.contains(id) ? .workload : .backlog, comment: nil, status: .assigned)
            let (events, assigned) = TicketRules.append(
                [.assigned(assignment)], to: ticket, by: envelope, firstIndex: result.events.count,
                actor: TicketEvent.systemActor, at: context.now)
            context.apply(.init(events: events, tickets: [assigned]))
            result.events += events
            if let index = result.tickets.firstIndex(where: { $0.id == id }) {
                result.tickets[index] = assigned
            } else {
                result.tickets.append(assigned)
            }
        }
        return result
    }
}
