import HTTPTypes
import Hummingbird
import SopzDomain

/// One `/api/v1` operation and who may call it.
struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// What the path's `:id` names, and who may reach it once the role check passed.
    enum Resource: Sendable, Hashable {
        /// Nothing: the role alone decides.
        case none
        /// A ticket: its owner and staff (administrators, managers) see it; anyone else gets 404.
        case ticket
        /// A command: only the user who issued it sees it; anyone else gets 404.
        case command
        /// A webhook subscription: every manager sees every one.
        case webhook
    }

    let method: HTTPRequest.Method
    /// Relative to `/api/v1`, in Hummingbird's syntax (`tickets/:id`).
    let path: String
    /// Callers need at least one of these roles, else 403 — before any data is looked at.
    let roles: Set<Role>
    let resource: Resource
    /// A valid request body: what the access tests send, so a new endpoint needs no new test code.
    let exampleBody: String?

    init(
        _ method: HTTPRequest.Method, _ path: String, roles: Set<Role>, resource: Resource = .none,
        exampleBody: String? = nil
    ) {
        self.method = method
        self.path = path
        self.roles = roles
        self.resource = resource
        self.exampleBody = exampleBody
    }

    func admits(_ user: User) -> Bool { !roles.isDisjoint(with: user.roles) }

    var description: String { "\(method.rawValue) /api/v1/\(path)" }
}

/// Who may do what (docs/identity.md), declared once. The router registers every `/api/v1`
/// route through this table (`RouterGroup.on(_:use:)`), and the access tests enumerate it for
/// every role and owner, so an endpoint added here is enforced and tested by its declaration.
/// Who may see a resource (`Endpoint.Resource`) is checked again by the handler that loads it,
/// and the dispatcher re-checks commands where the data lives (`TicketRules`).
enum AccessMatrix {
    static let everyone = Set(Role.allCases)

    static let createTicket = Endpoint(
        .post, "tickets", roles: [.client],
        exampleBody: #"{"title":"Printer on fire","description":"Third floor, the big one, again."}"#)
    static let listTickets = Endpoint(.get, "tickets", roles: everyone)
    static let showTicket = Endpoint(.get, "tickets/:id", roles: everyone, resource: .ticket)
    static let listMessages = Endpoint(.get, "tickets/:id/messages", roles: everyone, resource: .ticket)
    static let showHistory = Endpoint(.get, "tickets/:id/history", roles: everyone, resource: .ticket)
    static let showCommand = Endpoint(.get, "commands/:id", roles: everyone, resource: .command)
    static let listAdministrators = Endpoint(.get, "administrators", roles: [.manager])
    static let cancelTicket = Endpoint(
        .post, "tickets/:id/cancel", roles: [.client], resource: .ticket, exampleBody: #"{"reason":"Fixed it myself"}"#)
    static let changeStatus = Endpoint(
        .post, "tickets/:id/status", roles: [.administrator, .manager], resource: .ticket,
        exampleBody: #"{"status":"in_progress","comment":"On it"}"#)
    static let confirmTicket = Endpoint(
        .post, "tickets/:id/confirm", roles: [.client], resource: .ticket, exampleBody: #"{"comment":"Works now"}"#)
    static let reopenTicket = Endpoint(
        .post, "tickets/:id/reopen", roles: [.client], resource: .ticket, exampleBody: #"{"reason":"Jams again"}"#)
    static let assignTicket = Endpoint(
        .post, "tickets/:id/assignee", roles: [.manager], resource: .ticket,
        exampleBody: #"{"administratorId":null,"reason":"Back to the pool"}"#)
    static let postMessage = Endpoint(
        .post, "tickets/:id/messages", roles: [.client, .administrator], resource: .ticket,
        exampleBody: #"{"body":"Any news?"}"#)
    static let live = Endpoint(.get, "live", roles: everyone)
    static let statistics = Endpoint(.get, "stats", roles: [.administrator, .manager])
    static let exportTickets = Endpoint(.get, "exports/tickets.csv", roles: [.manager])
    static let setAvailability = Endpoint(
        .put, "administrators/me/availability", roles: [.administrator], exampleBody: #"{"available":true}"#)

    static let registerWebhook = Endpoint(
        .post, "webhooks", roles: [.manager],
        exampleBody: #"{"url":"https://hooks.example.com/sopz","events":["resolved"]}"#)
    static let listWebhooks = Endpoint(.get, "webhooks", roles: [.manager])
    static let showWebhook = Endpoint(.get, "webhooks/:id", roles: [.manager], resource: .webhook)
    static let rotateWebhookSecret = Endpoint(
        .post, "webhooks/:id/rotate-secret", roles: [.manager], resource: .webhook,
        exampleBody: #"{"keepPreviousSeconds":3600}"#)
    static let disableWebhook = Endpoint(
        .post, "webhooks/:id/disable", roles: [.manager], resource: .webhook, exampleBody: #"{"reason":"Maintenance"}"#)
    static let enableWebhook = Endpoint(.post, "webhooks/:id/enable", roles: [.manager], resource: .webhook)
    static let deleteWebhook = Endpoint(.delete, "webhooks/:id", roles: [.manager], resource: .webhook)
    static let listWebhookDeliveries = Endpoint(
        .get, "webhooks/:id/deliveries", roles: [.manager], resource: .webhook)
    static let listSagas = Endpoint(.get, "sagas", roles: [.manager])
    static let replayWebhookDelivery = Endpoint(
        .post, "webhooks/:id/deliveries/:deliveryId/replay", roles: [.manager], resource: .webhook)

    static let all: [Endpoint] = [
        createTicket, listTickets, showTicket, listMessages, showHistory, showCommand, listAdministrators, cancelTicket,
        changeStatus, confirmTicket,
        reopenTicket, assignTicket, postMessage, setAvailability, live, statistics, exportTickets, registerWebhook,
        listWebhooks, showWebhook, rotateWebhookSecret, disableWebhook, enableWebhook, listWebhookDeliveries,
        replayWebhookDelivery, deleteWebhook, listSagas,
    ]
}

extension RouterGroup where Context == SopzRequestContext {
    /// Registers `handler` for `endpoint`. Callers without one of the endpoint's roles get 403
    /// before the handler runs; the handler receives the authenticated user.
    @discardableResult
    func on(
        _ endpoint: Endpoint,
        use handler: @escaping @Sendable (Request, SopzRequestContext, User) async throws -> Response
    ) -> Self {
        on(RouterPath(endpoint.path), method: endpoint.method) { request, context in
            let user = try context.requireUser()
            guard endpoint.admits(user) else {
                throw Problem.forbidden(
                    "this needs the role \(endpoint.roles.sorted().map(\.rawValue).joined(separator: " or "))")
            }
            return try await handler(request, context, user)
        }
    }
}
