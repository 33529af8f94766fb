import Hummingbird
import SopzDomain
import SopzPorts
import SopzRuntime

/// `/api/v1/tickets/{id}/…` and `/api/v1/administrators/me/…`: every command after the create,
/// each through the same steps — the role check (`AccessMatrix`), a valid `Idempotency-Key`, the
/// body read strictly and validated by the domain, the ticket looked at (404 if the caller may
/// not see it, 412 if `If-Match` names another version), then published like the create
/// (`CommandOutcomes.submit`). Whether the lifecycle allows it is the dispatcher's to judge.
struct TicketCommandRoutes: Sendable {
    let gateway: CommandGateway
    let outcomes: CommandOutcomes
    let tickets: any TicketReading

    /// How long the ingress looks at the ticket before publishing regardless: while PostgreSQL
    /// is slow or down a command is still accepted, and the dispatcher checks everything again.
    static let lookTimeout: Duration = .milliseconds(250)

    func register(on api: RouterGroup<SopzRequestContext>) {
        on(AccessMatrix.cancelTicket, api, Cancellation.self) { .cancel($0) }
        on(AccessMatrix.changeStatus, api, StatusChange.self) { .changeStatus($0) }
        on(AccessMatrix.confirmTicket, api, Confirmation.self) { .confirm($0) }
        on(AccessMatrix.reopenTicket, api, Reopening.self) { .reopen($0) }
        on(AccessMatrix.assignTicket, api, AssigneeChange.self, nullable: ["administratorId"]) { .assign($0) }
        on(AccessMatrix.postMessage, api, NewMessage.self) { .postMessage($0) }
        on(AccessMatrix.setAvailability, api, Availability.self) { .setAvailability($0) }
    }

    /// Registers `endpoint` as the command `make` builds from a `Payload` body.
    private func on<Payload: Decodable & FieldNamed>(
        _ endpoint: Endpoint, _ api: RouterGroup<SopzRequestContext>, _ payload: Payload.Type,
        nullable: Set<String> = [], make: @escaping @Sendable (Payload) -> TicketCommand
    ) {
        api.on(endpoint) { request, context, user in
            let idempotencyKey = try CommandGateway.validIdempotencyKey(request.headers[.idempotencyKey])
            var ticketID: TicketID?
            if endpoint.resource == .ticket {
                guard let id = context.parameters.get("id").flatMap(TicketID.init) else {
                    throw Problem.notFound("the ticket")
                }
                ticketID = id
            }
            let expectedVersion = TicketETag.expectedVersion(ifMatch: request.headers[.ifMatch])
            let command = make(
                try await StrictJSON.decode(
                    Payload.self, from: request, context: context, allowedFields: ["": Payload.fieldNames],
                    nullable: nullable))
            let violations = command.violations()
            guard violations.isEmpty else { throw Problem.invalid("the request is not valid", violations: violations) }
            if let ticketID { try await look(at: ticketID, for: user, expecting: expectedVersion) }
            let envelope = gateway.envelope(
                command, ticketID: ticketID, by: user, idempotencyKey: idempotencyKey, expectedVersion: expectedVersion)
            return try await outcomes.submit(
                envelope, through: gateway, wait: PreferWait.seconds(in: request.headers[values: .prefer]),
                repeatsKey: idempotencyKey != nil)
        }
    }

    /// 404 unless the ticket exists and `user` may see it; 409 if it was archived (long final, gone
    /// from the write model); 412 if it is not at `expectedVersion`. If PostgreSQL does not answer
    /// in time the command goes ahead: the dispatcher judges it.
    private func look(at id: TicketID, for user: User, expecting expectedVersion: Int?) async throws {
        let ticket: Ticket?
        let archivedOwner: String?
        do {
            (ticket, archivedOwner) = try await withDeadline(Self.lookTimeout) { [tickets] in
                guard let ticket = try await tickets.ticket(id) else {
                    return (nil, try await tickets.archivedOwner(of: id))
                }
                return (ticket, nil)
            }
        } catch {
            return
        }
        if let archivedOwner, Ticket.isVisible(ownedBy: archivedOwner, to: user) {
            throw Problem.rejected(.archived)
        }
        guard let ticket, ticket.isVisible(to: user) else { throw Problem.notFound("the ticket") }
        if let expectedVersion, expectedVersion != ticket.version {
            throw Problem.ticketChanged(
                "the ticket is at version \(ticket.version), not \(expectedVersion): read it again")
        }
    }
}

/// A request body whose JSON fields are its coding keys.
protocol FieldNamed { static var fieldNames: Set<String> { get } }

extension Cancellation: FieldNamed {}
extension StatusChange: FieldNamed {}
extension Confirmation: FieldNamed {}
extension Reopening: FieldNamed {}
extension AssigneeChange: FieldNamed {}
extension NewMessage: FieldNamed {}
extension Availability: FieldNamed {}
