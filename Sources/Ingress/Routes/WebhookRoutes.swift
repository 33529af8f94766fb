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
        api.on(AccessMatrix.rotateWebhookSecret, use: rotate)
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
    }

    /// POST /api/v1/webhooks — 202 with the subscription's id and signing secret (shown in this
    /// answer only); with `Prefer: wait=N`, 201 once it was applied in time.
    @Sendable func create(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let idempotencyKey = try CommandGateway.validIdempotencyKey(request.headers[.idempotencyKey])
        let new = try await StrictJSON.decode(
            NewWebhook.self, from: request, context: context, allowedFields: ["": NewWebhook.fieldNames])
        let violations = Self.violations(of: new, under: targets)
        guard violations.isEmpty else { throw Problem.invalid("the webhook is not valid", violations: violations) }
        let envelope = gateway.envelope(
            .webhook(.register(new)), ticketID: nil, by: user, idempotencyKey: idempotencyKey)
        return try await outcomes.submit(
            envelope, through: gateway, wait: PreferWait.seconds(in: request.headers[values: .prefer]),
            repeatsKey: idempotencyKey != nil,
            revealing: secrets.secret(for: NewWebhook.id(registeredBy: envelope.commandID), generation: 1))
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

    /// POST /api/v1/webhooks/{id}/rotate-secret — 202 with the new secret. The subscription is
    /// read first (its generation names the new secret), so this needs the write model to answer.
    @Sendable func rotate(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let id = try Self.id(context)
        let idempotencyKey = try CommandGateway.validIdempotencyKey(request.headers[.idempotencyKey])
        let rotation = try await StrictJSON.decode(
            SecretRotation.self, from: request, context: context, allowedFields: ["": SecretRotation.fieldNames])
        let violations = rotation.violations()
        guard violations.isEmpty else { throw Problem.invalid("the request is not valid", violations: violations) }
        let found = try await Problem.unavailableUnless(reading: "webhooks") { try await webhooks.webhook(id) }
        guard let found, found.status != .deleted else { throw Problem.notFound("the webhook") }
        let generation = found.secretGeneration + 1
        let envelope = gateway.envelope(
            .webhook(.rotateSecret(id, rotation, generation: generation)), ticketID: nil, by: user,
            idempotencyKey: idempotencyKey)
        return try await outcomes.submit(
            envelope, through: gateway, wait: PreferWait.seconds(in: request.headers[values: .prefer]),
            repeatsKey: idempotencyKey != nil, revealing: secrets.secret(for: id, generation: generation))
    }

    /// Disable, enable, delete: 404 for a subscription that is not there (when the write model
    /// answers in time), then published.
    private func submit(
        _ request: Request, _ context: SopzRequestContext, _ user: User,
        make: (WebhookID) -> WebhookCommand
    ) async throws -> Response {
        let id = try Self.id(context)
        let idempotencyKey = try CommandGateway.validIdempotencyKey(request.headers[.idempotencyKey])
        var answered: WebhookSubscription?? = nil  // nil: not in time, so published and the dispatcher judges
        do {
            answered = try await withDeadline(Self.lookTimeout) { [webhooks] in try await webhooks.webhook(id) }
        } catch {}
        if let found = answered, (found?.status ?? .deleted) == .deleted { throw Problem.notFound("the webhook") }
        return try await publish(make(id), request: request, user: user, idempotencyKey: idempotencyKey)
    }

    private func publish(
        _ command: WebhookCommand, request: Request, user: User, idempotencyKey: String?
    ) async throws -> Response {
        let envelope = gateway.envelope(.webhook(command), ticketID: nil, by: user, idempotencyKey: idempotencyKey)
        return try await outcomes.submit(
            envelope, through: gateway, wait: PreferWait.seconds(in: request.headers[values: .prefer]),
            repeatsKey: idempotencyKey != nil)
    }

    private static func id(_ context: SopzRequestContext) throws -> WebhookID {
        guard let id = context.parameters.get("id").flatMap(WebhookID.init) else {
            throw Problem.notFound("the webhook")
        }
        return id
    }
}
