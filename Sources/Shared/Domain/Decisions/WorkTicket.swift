import Foundation

/// Every command on an existing ticket — cancel, status, confirm, reopen, assignee, message —
/// judged the same way: the ticket must exist and be visible to the issuer, be at the version
/// the issuer saw (`If-Match`), the payload must be valid, and `Lifecycle` must allow the action
/// for the issuer's role in the ticket's status. Then the command's events are appended.
enum WorkTicket {
    /// How long a command on a ticket that does not exist yet waits for the ticket's create,
    /// which may still be in flight (both were accepted; RabbitMQ may deliver them out of order).
    static let createGrace: TimeInterval = 5

    static func decide(_ envelope: CommandEnvelope, in context: DecisionContext) -> TicketDecision {
        let issuer = envelope.issuer
        guard let ticket = context.ticket(envelope.ticketID), ticket.isVisible(to: issuer) else {
            if context.ticket(envelope.ticketID) == nil, context.now.timeIntervalSince(envelope.issuedAt) < createGrace
            {
                return .retryLater(reason: "the ticket does not exist yet")
            }
            return .reject(.init(.notFound, "the ticket does not exist or is not yours"))
        }
        if let expected = envelope.expectedVersion, expected != ticket.version {
            return .reject(
                .init(.ticketChanged, "the ticket is at version \(ticket.version), not \(expected): read it again"))
        }
        guard let action = action(of: envelope.command) else {
            return .reject(.init(.invalidInput, "not a command on a ticket"))
        }
        let violations = envelope.command.violations()
        guard violations.isEmpty else {
            return .reject(.init(.invalidInput, "the request is not valid", violations: violations))
        }
        if let saga = context.sagas[ticket.id], !saga.state.hasEnded, action.movesStatus {
            return .reject(
                .init(
                    .refundInProgress,
                    "the refund is in progress: the ticket is resolved, or back in progress, once billing and the ledger answered"
                ))
        }
        let target: TicketStatus
        switch Lifecycle.cell(ticket.status, action, by: issuer, owner: ticket.ownerID == issuer.id) {
        case .moves(let status): target = status
        case .stays: target = ticket.status
        case .refused(let refusal): return .reject(rejection(refusal, action: action, ticket: ticket))
        }
        if target == .resolved, case .changeStatus(let change) = envelope.command, let refund = ticket.refund {
            return RefundSaga.start(change, on: ticket, refund: refund, envelope: envelope, in: context)
        }
        let changes: [TicketChange]
        switch changesOf(envelope, on: ticket, to: target, in: context) {
        case .success(let found): changes = found
        case .failure(let rejection): return .reject(rejection)
        }
        let (events, changed) = TicketRules.append(changes, to: ticket, by: envelope, at: context.now)
        return .accept(.init(events: events, tickets: [changed]))
    }

    /// The lifecycle action a command takes.
    static func action(of command: TicketCommand) -> Lifecycle.Action? {
        switch command {
        case .cancel: .cancel
        case .changeStatus(let change): .setStatus(change.status)
        case .confirm: .confirm
        case .reopen: .reopen
        case .assign(let change): change.administratorId == nil ? .unassign : .assign
        case .postMessage: .postMessage
        case .create, .setAvailability, .registerAdministrator, .webhook, .saga: nil
        }
    }

    /// What the command does to `ticket`, now that the lifecycle allowed it to `target`.
    private static func changesOf(
        _ envelope: CommandEnvelope, on ticket: Ticket, to target: TicketStatus, in context: DecisionContext
    ) -> Result<[TicketChange], TicketRejection> {
        let from = ticket.status
        switch envelope.command {
        case .cancel(let cancellation):
            return .success([
                .cancelled(.init(ticketId: ticket.id, from: from, to: target, comment: cancellation.reason))
            ])
        case .changeStatus(let change):
            let move = StatusTransition(ticketId: ticket.id, from: from, to: target, comment: change.comment)
            return .success([target == .resolved ? .resolved(move) : .statusChanged(move)])
        case .confirm(let confirmation):
            return .success([
                .statusChanged(.init(ticketId: ticket.id, from: from, to: target, comment: confirmation.comment))
            ])
        case .reopen(let reopening):
            return .success([
                .statusChanged(.init(ticketId: ticket.id, from: from, to: target, comment: reopening.reason))
            ])
        case .assign(let change):
            return ManualAssignment.changes(change, on: ticket, to: target, in: context.pool).map { [$0] }
        case .postMessage(let message):
            let owner = ticket.ownerID == envelope.issuer.id && envelope.issuer.has(.client)
            let posted = Message(
                messageId: DerivedID.uuid(from: envelope.commandID.rawValue, label: "message"), ticketId: ticket.id,
                authorId: envelope.issuer.id, authorName: envelope.issuer.name,
                authorRole: owner ? .client : .administrator, body: message.body, postedAt: context.now)
            let moved: [TicketChange] =
                target == from ? [] : [.statusChanged(.init(ticketId: ticket.id, from: from, to: target, comment: nil))]
            return .success([.messagePosted(posted)] + moved)
        case .create, .setAvailability, .registerAdministrator, .webhook, .saga:
            return .failure(.init(.invalidInput, "not a command on a ticket"))
        }
    }

    static func rejection(_ refusal: Lifecycle.Refusal, action: Lifecycle.Action, ticket: Ticket) -> TicketRejection {
        switch refusal {
        case .forbidden: .init(.forbidden, "your role may not \(action.phrase.verb)")
        case .invalidTransition:
            .init(.invalidTransition, "a ticket that is \(ticket.status.rawValue) cannot be \(action.phrase.passive)")
        case .final: .init(.ticketFinal, "the ticket is \(ticket.status.rawValue): nothing more can happen to it")
        }
    }
}

/// A manager's choice of assignee, audited in the event: who had it, who has it, why.
enum ManualAssignment {
    static func changes(
        _ change: AssigneeChange, on ticket: Ticket, to target: TicketStatus, in pool: AssignmentPool
    ) -> Result<TicketChange, TicketRejection> {
        guard let id = change.administratorId else {
            guard let previous = ticket.assigneeID else {
                return .failure(.init(.invalidTransition, "the ticket is nobody's already"))
            }
            return .success(
                .unassigned(
                    .init(
                        ticketId: ticket.id, previousAdministratorId: previous, decidedBy: .manager, reason: .manual,
                        comment: change.reason)))
        }
        guard let member = pool.member(id) else {
            return .failure(
                .init(
                    .invalidInput, "no such administrator",
                    violations: [.init(field: "administratorId", message: "is not an administrator who has signed in")])
            )
        }
        guard id != ticket.assigneeID else {
            return .failure(.init(.conflict, "the ticket is \(member.name)'s already"))
        }
        guard member.available else {
            return .failure(.init(.administratorUnavailable, "\(member.name) is not taking new tickets"))
        }
        guard member.load < pool.capacity || change.overCapacity == true else {
            return .failure(
                .init(
                    .administratorAtCapacity,
                    "\(member.name) has \(member.load) tickets in hand, the cap is \(pool.capacity); send overCapacity: true to give them more"
                ))
        }
        return .success(
            .assigned(
                .init(
                    ticketId: ticket.id, administratorId: id, previousAdministratorId: ticket.assigneeID,
                    decidedBy: .manager, reason: .manual, comment: change.reason, status: target)))
    }
}

extension Lifecycle.Action {
    /// Whether the action moves the ticket along the lifecycle (what a running refund holds back).
    var movesStatus: Bool {
        switch self {
        case .cancel, .setStatus, .confirm, .reopen: true
        case .assign, .unassign, .postMessage: false
        }
    }

    /// The action in the refusals' sentences: "your role may not <verb>", "… cannot be <passive>".
    var phrase: (verb: String, passive: String) {
        switch self {
        case .cancel: ("cancel this ticket", "cancelled")
        case .setStatus(let status): ("move this ticket to \(status.rawValue)", "moved to \(status.rawValue)")
        case .confirm: ("confirm this ticket", "confirmed")
        case .reopen: ("reopen this ticket", "reopened")
        case .assign: ("assign this ticket", "assigned")
        case .unassign: ("hand this ticket back to the pool", "handed back to the pool")
        case .postMessage: ("post in this ticket's chat", "posted to")
        }
    }
}
