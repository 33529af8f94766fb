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

    /// The answer to a just-submitted command: 202, or with `wait` seconds the outcome if it
    /// arrives in time (201 and the ticket, or the rejection's problem).
    func respond(to envelope: CommandEnvelope, wait: Int?) async throws -> Response {
        var headers: HTTPFields = [.location: "/api/v1/commands/\(envelope.commandID)"]
        if let wait, wait > 0,
            let record = try? await waiter.outcome(of: envelope.commandID, timeout: .seconds(wait))
        {
            headers[.preferenceApplied] = "wait=\(wait)"
            switch record.status {
            case .rejected:
                throw Problem.rejected(record.rejection ?? TicketRejection(.conflict, "rejected"))
            case .done:
                if let ticket = try? await store.ticket(envelope.ticketID) {
                    headers[.location] = "/api/v1/tickets/\(ticket.id)"
                    let status: HTTPResponse.Status = envelope.command.type == "ticket.create" ? .created : .ok
                    return try jsonResponse(ticket, status: status, headers: headers)
                }
            }
        }
        return try jsonResponse(
            Accepted(commandId: envelope.commandID, ticketId: envelope.ticketID), status: .accepted, headers: headers)
    }

    /// GET /api/v1/commands/{id} — only for the user who issued it; anyone else gets 404.
    @Sendable func show(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(CommandID.init) else {
            throw Problem.notFound("the command")
        }
        let record = try await Problem.unavailableUnless(reading: "command outcomes") { try await store.command(id) }
        guard let record else {
            // Not applied yet: it is "accepted" only if it was minted for this caller.
            guard mint.wasMinted(id, for: user.id) else { throw Problem.notFound("the command") }
            return try jsonResponse(Accepted(commandId: id, ticketId: nil))
        }
        guard record.issuerID == user.id else { throw Problem.notFound("the command") }
        switch record.status {
        case .done:
            var ticket: Ticket?
            if let ticketID = record.ticketID { ticket = try? await store.ticket(ticketID) }
            return try jsonResponse(
                Finished(commandId: id, status: "done", ticketId: record.ticketID, ticket: ticket, problem: nil))
        case .rejected:
            let problem = Problem.rejected(record.rejection ?? TicketRejection(.conflict, "rejected"))
            return try jsonResponse(
                Finished(commandId: id, status: "rejected", ticketId: record.ticketID, ticket: nil, problem: problem))
        }
    }
}
