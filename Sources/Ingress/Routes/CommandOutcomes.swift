import HTTPTypes
import Hummingbird
import SopzDomain
import SopzContract
import SopzPorts
import SopzPostgres
import SopzRuntime

/// What clients learn about a command: accepted (still queued), done (with the resource) or
/// rejected (with the problem) — after submitting it, or later at `/api/v1/commands/{id}`.
struct CommandOutcomes: Sendable {
    let waiter: CommandWaiter
    let outcomes: any CommandOutcomeReading
    let mint: CommandIDMint

    struct Accepted: Encodable {
        let commandId: CommandID
        let status = "accepted"
        let ticketId: TicketID?
        var webhookId: WebhookID? = nil
        /// A webhook's new signing secret: in the answer to the command that made it, and nowhere else.
        var secret: String? = nil
    }

    struct Finished: Encodable {
        let commandId: CommandID
        let status: String
        let ticketId: TicketID?
        let ticket: Ticket?
        let problem: Problem?
        var webhookId: WebhookID? = nil
        var secret: String? = nil
    }

    func register(on api: RouterGroup<SopzRequestContext>) {
        api.on(AccessMatrix.showCommand, use: show)
    }

    /// How long the look-up of a repeated `Idempotency-Key` may take before it is skipped: while
    /// PostgreSQL is down a command must still be accepted at once.
    static let keyLookupTimeout: Duration = .milliseconds(250)

    /// Publishes `envelope` and answers 202 once RabbitMQ confirmed it — or, with `wait`
    /// seconds, the outcome if it arrives in time (201 and the ticket, or the rejection's problem).
    ///
    /// With `repeatsKey` (the request carried an `Idempotency-Key`) the command the key names is
    /// looked up first. Recorded asking for something else: 422, nothing queued. Recorded asking
    /// the same: answered from the record, nothing queued again. Not recorded yet (still queued)
    /// or PostgreSQL not answering in time: published as usual, and the dispatcher treats it as
    /// the first, so nothing is ever applied twice.
    ///
    /// `secret` (a webhook registration or rotation) is shown in the answer, accepted or done.
    func submit(
        _ envelope: CommandEnvelope, through gateway: CommandGateway, wait: Int?, repeatsKey: Bool,
        revealing secret: WebhookSecret? = nil
    ) async throws -> Response {
        let started = ContinuousClock.now  // the look-up counts against `wait`
        if repeatsKey, let recorded = await recordedCommand(envelope.commandID),
            let fingerprint = recorded.record.fingerprint
        {
            guard fingerprint == envelope.command.fingerprint else { throw Problem.idempotencyKeyReused() }
            guard let wait, wait > 0 else { return try accepted(envelope, secret) }
            return try answer(envelope, finished: recorded, wait: wait, secret)
        }
        guard let wait, wait > 0 else {
            try await gateway.publish(envelope)
            return try accepted(envelope, secret)
        }
        let timeout = Duration.seconds(wait) - (ContinuousClock.now - started)
        let finished = try await waiter.outcome(of: envelope.commandID, timeout: timeout) {
            try await gateway.publish(envelope)
        }
        guard let finished else { return try accepted(envelope, secret) }
        return try answer(envelope, finished: finished, wait: wait, secret)
    }

    /// The command's record, or nil if there is none or PostgreSQL did not answer in time.
    private func recordedCommand(_ id: CommandID) async -> FinishedCommand? {
        try? await withDeadline(Self.keyLookupTimeout) { [outcomes] in try await outcomes.finishedCommands([id])[id] }
    }

    /// The answer to a request that waited (`Prefer: wait`) for its finished command.
    private func answer(
        _ envelope: CommandEnvelope, finished: FinishedCommand, wait: Int, _ secret: WebhookSecret?
    ) throws -> Response {
        var headers: HTTPFields = [.location: "/api/v1/commands/\(envelope.commandID)"]
        headers[.preferenceApplied] = "wait=\(wait)"
        switch finished.record.status {
        case .rejected:
            throw Problem.rejected(finished.record.rejection ?? TicketRejection(.conflict, "rejected"))
        case .done:
            guard let ticket = finished.ticket else {
                // A command on no ticket (availability, a webhook): done is all there is to say.
                guard envelope.ticketID == nil else { return try accepted(envelope, secret) }
                if let webhookID = envelope.webhookID { headers[.location] = "/api/v1/webhooks/\(webhookID)" }
                return try jsonResponse(
                    Finished(
                        commandId: envelope.commandID, status: "done", ticketId: nil, ticket: nil, problem: nil,
                        webhookId: envelope.webhookID, secret: secret?.text),
                    status: envelope.command.type == "webhook.register" ? .created : .ok, headers: headers)
            }
            headers[.location] = "/api/v1/tickets/\(ticket.id)"
            headers[.eTag] = TicketETag.value(of: ticket)
            let status: HTTPResponse.Status = envelope.command.type == "ticket.create" ? .created : .ok
            return try jsonResponse(ticket, status: status, headers: headers)
        }
    }

    private func accepted(_ envelope: CommandEnvelope, _ secret: WebhookSecret? = nil) throws -> Response {
        try jsonResponse(
            Accepted(
                commandId: envelope.commandID, ticketId: envelope.ticketID, webhookId: envelope.webhookID,
                secret: secret?.text), status: .accepted, headers: [.location: "/api/v1/commands/\(envelope.commandID)"]
        )
    }

    /// GET /api/v1/commands/{id} — only for the user who issued it; anyone else gets 404.
    @Sendable func show(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(CommandID.init) else {
            throw Problem.notFound("the command")
        }
        let finished = try await Problem.unavailableUnless(reading: "command outcomes") {
            try await outcomes.finishedCommands([id])[id]
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

extension CommandEnvelope {
    /// The webhook subscription a webhook command is about; nil for any other command.
    var webhookID: WebhookID? {
        guard case .webhook(let command) = command else { return nil }
        return command.webhookID(in: self)
    }
}
