import Foundation

/// The refund saga as decisions. Resolving a refund ticket starts it instead of resolving; the
/// replies of billing and the ledger (and the clock, for those that do not come) move it on; its
/// end resolves the ticket — the resolution the administrator asked for, with the references —
/// or, after the completed steps were undone, brings the ticket back to `in_progress` with a
/// system message saying why. While it runs, the ticket's status stays where it is.
enum RefundSaga {
    /// The administrator's resolution of `ticket`, a refund ticket: the saga starts.
    static func start(
        _ change: StatusChange, on ticket: Ticket, refund: RefundRequest, envelope: CommandEnvelope,
        in context: DecisionContext
    ) -> TicketDecision {
        let (state, effects) = SagaMachine.start(
            context.sagaCatalogue.refund, id: TicketSaga.id(startedBy: envelope.commandID), at: context.now)
        let saga = TicketSaga(
            state: state, ticketID: ticket.id, requestedBy: envelope.issuer.id, comment: change.comment,
            startedAt: context.now, updatedAt: context.now)
        let note =
            "Billing is asked to refund \(refund.amount) \(refund.currency) for order \(refund.orderId). "
            + "The ticket is resolved once billing and the ledger confirm it."
        guard let (events, noted) = SystemMessage.post(note, on: ticket, for: envelope, firstIndex: 0, in: context)
        else {
            return .reject(.init(.invalidTransition, "a ticket that is \(ticket.status.rawValue) cannot be resolved"))
        }
        return carryOut(effects, of: saga, on: noted, after: events, envelope: envelope, in: context)
    }

    /// A reply, or the clock. One for another saga than the ticket's current one (late, after a
    /// new resolution started another), a duplicate, or one the saga no longer awaits changes
    /// nothing — and is not refused: the other system did nothing wrong.
    static func decide(_ command: SagaCommand, envelope: CommandEnvelope, in context: DecisionContext) -> TicketDecision
    {
        let unchanged = TicketDecision.accept(.init(events: [], tickets: []))
        guard let ticket = context.ticket(envelope.ticketID) else {
            return .reject(.init(.notFound, "the ticket does not exist"))
        }
        guard var saga = context.sagas[ticket.id], saga.id == command.sagaID else { return unchanged }
        let (state, effects) =
            switch command {
            case .reply(let reply): SagaMachine.handle(reply, in: saga.state, at: context.now)
            case .tick: SagaMachine.tick(saga.state, at: context.now)
            }
        guard state != saga.state else { return unchanged }
        saga.state = state
        saga.updatedAt = context.now
        return carryOut(effects, of: saga, on: ticket, after: [], envelope: envelope, in: context)
    }

    /// What the saga's effects come to: requests to other systems, and at its end the ticket's
    /// resolution or its return.
    private static func carryOut(
        _ effects: [SagaEffect], of saga: TicketSaga, on ticket: Ticket, after earlier: [TicketEvent],
        envelope: CommandEnvelope, in context: DecisionContext
    ) -> TicketDecision {
        var events = earlier
        var ticket = ticket
        var requests: [TicketDecision.Effect] = []
        for effect in effects {
            switch effect {
            case .send(let routingKey, let requestID):
                requests.append(
                    .integration(
                        IntegrationRequest(
                            id: requestID, routingKey: routingKey, sagaID: saga.id, saga: saga.state.definition.name,
                            ticketID: ticket.id, refund: ticket.refund, references: saga.state.references,
                            at: context.now)))
            case .completed(let references):
                let move = StatusTransition(
                    ticketId: ticket.id, from: ticket.status, to: .resolved, comment: saga.comment,
                    refund: ticket.refund.map { RefundResolution($0, references: references) })
                let (more, resolved) = TicketRules.append(
                    [.resolved(move)], to: ticket, by: envelope, firstIndex: events.count, actor: saga.requestedBy,
                    at: context.now)
                events += more
                ticket = resolved
            case .failed(let reason):
                let note = "The refund could not be completed (\(reason)); the ticket is back in progress."
                if let (more, noted) = SystemMessage.post(
                    note, on: ticket, for: envelope, firstIndex: events.count, in: context)
                {
                    events += more
                    ticket = noted
                }
                if ticket.status != .inProgress {
                    let (more, back) = TicketRules.append(
                        [
                            .statusChanged(
                                .init(ticketId: ticket.id, from: ticket.status, to: .inProgress, comment: nil))
                        ],
                        to: ticket, by: envelope, firstIndex: events.count, actor: TicketEvent.systemActor,
                        at: context.now)
                    events += more
                    ticket = back
                }
            }
        }
        return .accept(
            .init(events: events, tickets: events.isEmpty ? [] : [ticket], sagas: [saga], effects: requests))
    }
}
