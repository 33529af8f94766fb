import HTTPTypes
import Hummingbird
import SopzDomain
import SopzInfrastructure

/// What clients learn about a command: accepted (still queued), done (with the resource) or
/// rejected (with the problem) — after submitting it, or later at `/api/v1/commands/{id}`.
struct CommandOutcomes: Sendable {
    let waiter: CommandWaiter
    let store: TicketStore
    let mint: CommandIDMint

    struct Accepted: Encodable {
        let commandId: CommandID
        let status = "accepted"
        let ticketId: TicketID?
    }

    struct Finished: Encodable {
        let commandId: CommandID
        let status: String
        let ticketId: TicketID?
        let ticket: Ticket?
        let problem: Problem?
    }

    func register(on api: RouterGroup<SopzRequestContext>) {
        api.on(AccessMatrix.showCommand, use: show)
    }

    /// Publishes `envelope` and answers 202 once RabbitMQ confirmed it — or, with `wait`
    /// seconds, the outcome if it arrives in time (201 and the ticket, or the rejection's problem).
    func submit(_ envelope: CommandEnvelope, through gateway: CommandGateway, wait: Int?) async throws -> Response {
        var headers: HTTPFields = [.location: "/api/v1/commands/\(envelope.commandID)"]
        guard let wait, wait > 0 else {
            try await gateway.publish(envelope)
            return try accepted(envelope, headers: headers)
        }
        let finished = try await waiter.outcome(of: envelope.commandID, timeout: .seconds(wait)) {
            try await gateway.publish(envelope)
        }
        guard let finished else { return try accepted(envelope, headers: headers) }
        headers[.preferenceApplied] = "wait=\(wait)"
        switch finished.record.status {
        case .rejected:
            throw Problem.rejected(finished.record.rejection ?? TicketRejection(.conflict, "rejected"))
        case .done:
            guard let ticket = finished.ticket else { return try accepted(envelope, headers: headers) }
            headers[.location] = "/api/v1/tickets/\(ticket.id)"
            let status: HTTPResponse.Status = envelope.command.type == "ticket.create" ? .created : .ok
            return try jsonResponse(ticket, status: status, headers: headers)
        }
    }

    /// A repeated `Idempotency-Key` must repeat its request: if the command the key names was
    /// recorded asking for something else, the request is refused (422) and nothing is queued.
    /// While the database cannot be read, or the first request is still queued, the check is
    /// skipped: the command then counts as the first one, so nothing is applied twice.
    func refuseIfKeyReused(_ envelope: CommandEnvelope) async throws {
        guard let recorded = try? await store.finishedCommands([envelope.commandID])[envelope.commandID],
            let fingerprint = recorded.record.fingerprint
        else { return }
        guard fingerprint == envelope.command.fingerprint else { throw Problem.idempotencyKeyReused() }
    }

    private func accepted(_ envelope: CommandEnvelope, headers: HTTPFields) throws -> Response {
        try jsonResponse(
            Accepted(commandId: envelope.commandID, ticketId: envelope.ticketID), status: .accepted, headers: headers)
    }

    /// GET /api/v1/commands/{id} — only for the user who issued it; anyone else gets 404.
    @Sendable func show(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(CommandID.init) else {
            throw Problem.notFound("the command")
        }
        let finished = try await Problem.unavailableUnless(reading: "command outcomes") {
            try await store.finishedCommands([id])[id]
        }
        guard let finished else {
            // Not applied yet: it is "accepted" only if it was minted for this caller.
            guard mint.wasMinted(id, for: user.id) else { throw Problem.notFound("the command") }
            return try jsonResponse(Accepted(commandId: id, ticketId: nil))
        }
        let record = finished.record
        guard record.issuerID == user.id else { throw Problem.notFound("the command") }
        switch record.status {
        case .done:
            return try jsonResponse(
                Finished(
                    commandId: id, status: "done", ticketId: record.ticketID, ticket: finished.ticket, problem: nil))
        case .rejected:
            let problem = Problem.rejected(record.rejection ?? TicketRejection(.conflict, "rejected"))
            return try jsonResponse(
                Finished(commandId: id, status: "rejected", ticketId: record.ticketID, ticket: nil, problem: problem))
        }
    }
}
