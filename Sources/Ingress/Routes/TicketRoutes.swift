import Hummingbird
import SopzDomain

/// `POST /api/v1/tickets`: opening a ticket goes to RabbitMQ through the gateway (the reads are
/// `TicketQueryRoutes`).
struct TicketRoutes: Sendable {
    let gateway: CommandGateway
    let outcomes: CommandOutcomes

    /// The fields a create body may have, at the top and in `refund`: the types' own coding keys.
    static let createFields: [String: Set<String>] = ["": NewTicket.fieldNames, "refund": RefundRequest.fieldNames]

    func register(on api: RouterGroup<SopzRequestContext>) {
        api.on(AccessMatrix.createTicket, use: create)
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
}
