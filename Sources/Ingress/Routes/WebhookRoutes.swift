import Hummingbird
import SopzContract
import SopzDomain
import SopzPorts
import SopzRuntime

/// `/api/v1/webhooks…`: managers say which systems hear of events over HTTPS. Every change is a
/// command on the same path as a ticket's (`CommandOutcomes.submit`); the subscriptions are
/// read from the write model, where the notifier reads them to deliver.
struct WebhookRoutes: Sendable {
    let gateway: CommandGateway
    let outcomes: CommandOutcomes
    let webhooks: any WebhookReading
    let secrets: WebhookSecrets
    let targets: WebhookTargetPolicy

    /// How long a command looks at its subscription before going ahead regardless (as
    /// `TicketCommandRoutes` does with tickets; the dispatcher checks again).
    static let lookTimeout: Duration = .milliseconds(250)

    func register(on api: RouterGroup<SopzRequestContext>) {
        api.on(AccessMatrix.registerWebhook, use: create)
        api.on(AccessMatrix.listWebhooks, use: list)
        api.on(AccessMatrix.showWebhook, use: show)
        // 202 with the new secret, which the rotating command makes (so a retry shows it again).
        api.on(AccessMatrix.rotateWebhookSecret) { request, context, user in
            let rotation = try await StrictJSON.decode(
                SecretRotation.self, from: request, context: context, allowedFields: ["": SecretRotation.fieldNames])
            let violations = rotation.violations()
            guard violations.isEmpty else { throw Problem.invalid("the request is not valid", violations: violations) }
            return try await submit(request, context, user, revealingSecret: true) { .rotateSecret($0, rotation) }
        }
        api.on(AccessMatrix.disableWebhook) { request, context, user in
            let disabling = try await StrictJSON.decode(
                WebhookDisabling.self, from: request, context: context,
                allowedFields: ["": WebhookDisabling.fieldNames])
            return try await submit(request, context, user) { .disable($0, disabling) }
        }
        api.on(AccessMatrix.enableWebhook) { request, context, user in
            try await submit(request, context, user) { .enable($0) }
        }
        api.on(AccessMatrix.deleteWebhook) { request, context, user in
            try await submit(request, context, user) { .delete($0) }
        }
        api.on(AccessMatrix.listWebhookDeliveries, use: deliveries)
        // A delivery the log does not have is 404 when the log answers in time; else the
        // dispatcher applies it to whatever is there (nothing, for a delivery of no such id).
        api.on(AccessMatrix.replayWebhookDelivery) { request, context, user in
            guard let delivery = context.parameters.get("deliveryId").flatMap(Int64.init), delivery > 0 else {
                throw Problem.notFound("the delivery")
            }
            let id = try Self.id(context)
            var logged: WebhookDelivery?? = nil
            do {
                logged = try await withDeadline(Self.lookTimeout) { [webhooks] in
                    try await webhooks.delivery(delivery, of: id)
                }
            } catch {}
            if case .some(.none) = logged { throw Problem.notFound("the delivery") }
            return try await submit(request, context, user) { .replay($0, delivery: delivery) }
        }
    }

    /// GET /api/v1/webhooks/{id}/deliveries — the delivery log, newest first: each event sent
    /// to the subscription, its state and its latest attempts (status, latency, error).
    @Sendable func deliveries(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let id = try Self.id(context)
        let page = try Pagination(request, cursorKeys: 1)
        let found = try await Problem.unavailableUnless(reading: "webhook deliveries") {
            guard let webhook = try await webhooks.webhook(id), webhook.status != .deleted else {
                return Page<WebhookDelivery>?.none
            }
            return try await webhooks.deliveries(of: id, limit: page.limit, after: page.cursor)
        }
        guard let found else { throw Problem.notFound("the webhook") }
        return try jsonResponse(found)
    }

    /// POST /api/v1/webhooks — 202 with the subscription's id and signing secret (shown in this
    /// answer only); with `Prefer: wait=N`, 201 once it was applied in time.
    @Sendable func create(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let idempotencyKey = try CommandGateway.validIdempotencyKey(request.headers[.idempotencyKey])
        let new = try await StrictJSON.decode(
            NewWebhook.self, from: request, context: context, allowedFields: ["": NewWebhook.fieldNames])
        let violations = Self.violations(of: new, under: targets)
        guard violations.isEmpty else { throw Problem.invalid("the webhook is not valid", violations: violations) }
        return try await publish(
            .register(new), request: request, user: user, idempotencyKey: idempotencyKey, revealingSecret: true)
    }

    /// What is wrong with a registration: its form (the domain's rules), events the catalogue does
    /// not have, and a target the policy refuses.
    static func violations(of new: NewWebhook, under targets: WebhookTargetPolicy) -> [FieldViolation] {
        var found = new.violations()
        let unknown = new.events.filter { !EventCatalogue.names.contains($0) }
        if !unknown.isEmpty {
            found.append(
                .init(
                    field: "events",
                    message: "unknown: \(unknown.joined(separator: ", ")); known: "
                        + EventCatalogue.names.joined(separator: ", ")))
        }
        if !found.contains(where: { $0.field == "url" }), let refusal = targets.refusal(ofURL: new.url) {
            found.append(.init(field: "url", message: refusal))
        }
        return found
    }

    /// GET /api/v1/webhooks — every subscription not deleted, oldest first.
    @Sendable func list(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let page = try Pagination(request, cursorKeys: 2)
        let found = try await Problem.unavailableUnless(reading: "webhooks") {
            try await webhooks.webhooks(limit: page.limit, after: page.cursor)
        }
        return try jsonResponse(found)
    }

    /// GET /api/v1/webhooks/{id}.
    @Sendable func show(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let id = try Self.id(context)
        let found = try await Problem.unavailableUnless(reading: "webhooks") { try await webhooks.webhook(id) }
        guard let found, found.status != .deleted else { throw Problem.notFound("the webhook") }
        return try jsonResponse(found)
    }

    /// Rotate, disable, enable, delete: 404 for a subscription that is not there (when the write
    /// model answers in time), then published.
    private func submit(
        _ request: Request, _ context: SopzRequestContext, _ user: User, revealingSecret: Bool = false,
        make: (WebhookID) -> WebhookCommand
    ) async throws -> Response {
        let id = try Self.id(context)
        let idempotencyKey = try CommandGateway.validIdempotencyKey(request.headers[.idempotencyKey])
        var answered: WebhookSubscription?? = nil  // nil: not in time, so published and the dispatcher judges
        do {
            answered = try await withDeadline(Self.lookTimeout) { [webhooks] in try await webhooks.webhook(id) }
        } catch {}
        if let found = answered, (found?.status ?? .deleted) == .deleted { throw Problem.notFound("the webhook") }
        return try await publish(
            make(id), request: request, user: user, idempotencyKey: idempotencyKey, revealingSecret: revealingSecret)
    }

    /// Publishes `command` (`CommandOutcomes.submit`); with `revealingSecret`, the answer carries the
    /// secret the command makes.
    private func publish(
        _ command: WebhookCommand, request: Request, user: User, idempotencyKey: String?, revealingSecret: Bool
    ) async throws -> Response {
        let envelope = gateway.envelope(.webhook(command), ticketID: nil, by: user, idempotencyKey: idempotencyKey)
        return try await outcomes.submit(
            envelope, through: gateway, wait: PreferWait.seconds(in: request.headers[values: .prefer]),
            repeatsKey: idempotencyKey != nil,
            revealing: revealingSecret
                ? secrets.secret(for: command.webhookID(in: envelope), madeBy: envelope.commandID) : nil)
    }

    private static func id(_ context: SopzRequestContext) throws -> WebhookID {
        guard let id = context.parameters.get("id").flatMap(WebhookID.init) else {
            throw Problem.notFound("the webhook")
        }
        return id
    }
}
