import Hummingbird
import SopzDomain
import SopzPorts
import SopzPostgres

/// `/api/v1/tickets…`: commands go to RabbitMQ through the gateway; reads come from PostgreSQL.
struct TicketRoutes: Sendable {
    let gateway: CommandGateway
    let outcomes: CommandOutcomes
    let tickets: any TicketReading

    /// The fields a create body may have, at the top and in `refund`: the types' own coding keys.
    static let createFields: [String: Set<String>] = ["": NewTicket.fieldNames, "refund": RefundRequest.fieldNames]

    func register(on api: RouterGroup<SopzRequestContext>) {
        api.on(AccessMatrix.createTicket, use: create)
        api.on(AccessMatrix.showTicket, use: show)
    }

    /// POST /api/v1/tickets — clients open a ticket. 202 once RabbitMQ confirmed the command;
    /// with `Prefer: wait=N`, 201 with the ticket when it was applied in time.
    @Sendable func create(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let idempotencyKey = try CommandGateway.validIdempotencyKey(request.headers[.idempotencyKey])
        let newTicket = try await StrictJSON.decode(
            NewTicket.self, from: request, context: context, allowedFields: Self.createFields)
        let violations = newTicket.violations()
        guard violations.isEmpty else { throw Problem.invalid("the ticket is not valid", violations: violations) }
        let envelope = gateway.envelope(.create(newTicket), ticketID: nil, by: user, idempotencyKey: idempotencyKey)
        return try await outcomes.submit(
            envelope, through: gateway, wait: PreferWait.seconds(in: request.headers[values: .prefer]),
            repeatsKey: idempotencyKey != nil)
    }

    /// GET /api/v1/tickets/{id} — the ticket, if the caller may see it (else 404).
    @Sendable func show(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(TicketID.init) else {
            throw Problem.notFound("the ticket")
        }
        let ticket = try await Problem.unavailableUnless(reading: "tickets") { try await tickets.ticket(id) }
        guard let ticket, ticket.isVisible(to: user) else { throw Problem.notFound("the ticket") }
        return try jsonResponse(ticket, headers: [.eTag: TicketETag.value(of: ticket)])
    }
}
