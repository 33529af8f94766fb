import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import SopzDomain
import SopzTestSupport
import Testing

@testable import Ingress

/// The commands after the create, at the HTTP edge: every endpoint refuses bad input with a
/// problem and queues nothing, hides tickets the caller may not see, checks `If-Match`, and
/// answers `Prefer: wait` with the ticket and its `ETag`.
@Suite struct TicketCommandEdgeTests {
    static let ada = DemoUser.all[0]
    /// Every command endpoint after the create, with a valid body (the access matrix's example);
    /// the webhooks' have tests of their own (`WebhookEdgeTests`).
    static let commands = AccessMatrix.all.filter {
        $0.method != .get && $0 != AccessMatrix.createTicket && !$0.path.hasPrefix("webhooks")
    }

    struct BadBody: Sendable, CustomTestStringConvertible {
        let endpoint: Endpoint
        let name: String
        let body: String
        var contentType = "application/json"
        let status: HTTPResponse.Status
        var testDescription: String { "\(endpoint): \(name)" }
    }

    /// Bad bodies every endpoint refuses, then the ones particular to each.
    static let badBodies: [BadBody] =
        commands.flatMap { endpoint -> [BadBody] in
            let example = endpoint.exampleBody ?? "{}"
            return [
                BadBody(endpoint: endpoint, name: "malformed JSON", body: "{", status: .badRequest),
                BadBody(endpoint: endpoint, name: "not an object", body: "[]", status: .badRequest),
                BadBody(
                    endpoint: endpoint, name: "unknown field", body: "{\"sneaky\":1," + example.dropFirst(),
                    status: .badRequest),
                BadBody(
                    endpoint: endpoint, name: "wrong content type", body: example, contentType: "text/plain",
                    status: .unsupportedMediaType),
            ]
        } + [
            BadBody(
                endpoint: AccessMatrix.postMessage, name: "blank body", body: #"{"body":"  \n"}"#,
                status: .unprocessableContent),
            BadBody(
                endpoint: AccessMatrix.postMessage, name: "body too long",
                body: #"{"body":"\#(String(repeating: "я", count: 10_001))"}"#, status: .unprocessableContent),
            BadBody(endpoint: AccessMatrix.postMessage, name: "no body", body: "{}", status: .badRequest),
            BadBody(
                endpoint: AccessMatrix.changeStatus, name: "unknown status", body: #"{"status":"done"}"#,
                status: .badRequest),
            BadBody(
                endpoint: AccessMatrix.changeStatus, name: "no status", body: #"{"comment":"x"}"#, status: .badRequest),
            BadBody(
                endpoint: AccessMatrix.changeStatus, name: "comment null",
                body: #"{"status":"in_progress","comment":null}"#, status: .badRequest),
            BadBody(
                endpoint: AccessMatrix.cancelTicket, name: "reason too long",
                body: #"{"reason":"\#(String(repeating: "x", count: 2_001))"}"#, status: .unprocessableContent),
            BadBody(
                endpoint: AccessMatrix.assignTicket, name: "no administratorId", body: #"{"reason":"x"}"#,
                status: .badRequest),
            BadBody(
                endpoint: AccessMatrix.assignTicket, name: "empty administratorId", body: #"{"administratorId":""}"#,
                status: .unprocessableContent),
            BadBody(
                endpoint: AccessMatrix.assignTicket, name: "overCapacity as text",
                body: #"{"administratorId":"a","overCapacity":"yes"}"#, status: .badRequest),
            BadBody(
                endpoint: AccessMatrix.setAvailability, name: "available as text", body: #"{"available":"no"}"#,
                status: .badRequest),
            BadBody(endpoint: AccessMatrix.setAvailability, name: "nothing said", body: "{}", status: .badRequest),
        ]

    /// Who may call `endpoint` (its first role's demo user; the owner for client endpoints).
    static func caller(_ endpoint: Endpoint) -> DemoUser {
        if endpoint.roles.contains(.client) { return ada }
        return DemoUser.all.first { !endpoint.roles.isDisjoint(with: $0.roles) }!
    }

    static func path(_ endpoint: Endpoint, ticket: TicketID) -> String {
        "/api/v1/" + endpoint.path.replacingOccurrences(of: ":id", with: ticket.description)
    }

    /// An ingress that holds one ticket of ada's.
    static func ingress(dispatching: Bool = false) async throws -> (InMemoryIngress, Ticket) {
        let ingress = try await InMemoryIngress.make(dispatching: dispatching)
        let ticket = Samples.ticket(owner: User(id: ada.id, name: ada.name, roles: ada.roles))
        ingress.model.insert(ticket)
        return (ingress, ticket)
    }

    static func send(
        _ client: any TestClientProtocol, _ endpoint: Endpoint, ticket: TicketID, as user: DemoUser,
        ingress: InMemoryIngress, body: String? = nil, contentType: String = "application/json",
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        headers[.contentType] = contentType
        headers[.authorization] = "Bearer \(try await ingress.token(user.username))"
        return try await client.execute(
            uri: path(endpoint, ticket: ticket), method: endpoint.method, headers: headers,
            body: ByteBuffer(string: body ?? endpoint.exampleBody ?? "{}"))
    }

    @Test(arguments: badBodies) func aBadBodyIsAProblemAndNothingIsQueued(_ bad: BadBody) async throws {
        let (ingress, ticket) = try await Self.ingress()
        try await ingress.test { client in
            let response = try await Self.send(
                client, bad.endpoint, ticket: ticket.id, as: Self.caller(bad.endpoint), ingress: ingress,
                body: bad.body,
                contentType: bad.contentType)
            #expect(response.status == bad.status)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
        #expect(ingress.publisher.envelopes.isEmpty)
    }

    @Test(arguments: commands.filter { $0.resource == .ticket })
    func aTicketTheCallerCannotSeeIsNotFoundAndNothingIsQueued(_ endpoint: Endpoint) async throws {
        let (ingress, ticket) = try await Self.ingress()
        try await ingress.test { client in
            let missing = try await Self.send(
                client, endpoint, ticket: TicketID(UUID()), as: Self.caller(endpoint), ingress: ingress)
            #expect(missing.status == .notFound)
            if endpoint.roles.contains(.client) {
                let stranger = try await Self.send(
                    client, endpoint, ticket: ticket.id, as: DemoUser.all[1], ingress: ingress)
                #expect(stranger.status == .notFound)
            }
        }
        #expect(ingress.publisher.envelopes.isEmpty)
    }

    @Test(arguments: commands.filter { $0.resource == .ticket })
    func ifMatchOtherThanTheCurrentVersionIs412(_ endpoint: Endpoint) async throws {
        let (ingress, ticket) = try await Self.ingress()
        try await ingress.test { client in
            // Stale versions, and values that are no ETag of this API, which never match.
            for stale in [#""2""#, #""7""#, #"W/"1""#, "1", #""x""#, #""""#, ""] {
                let response = try await Self.send(
                    client, endpoint, ticket: ticket.id, as: Self.caller(endpoint), ingress: ingress,
                    headers: [.ifMatch: stale])
                #expect(response.status == .preconditionFailed, "\(stale)")
                #expect(String(buffer: response.body).contains("/problems/ticket-changed"))
            }
            let current = try await Self.send(
                client, endpoint, ticket: ticket.id, as: Self.caller(endpoint), ingress: ingress,
                headers: [.ifMatch: #""1""#])
            #expect(current.status == .accepted)
        }
        #expect(ingress.publisher.envelopes.map(\.expectedVersion) == [1])
    }

    @Test func aTicketCarriesItsVersionAsETagAndAWaitedCommandAnswersWithTheNewOne() async throws {
        let (ingress, ticket) = try await Self.ingress(dispatching: true)
        try await ingress.test { client in
            let shown = try await client.execute(
                uri: "/api/v1/tickets/\(ticket.id)", method: .get,
                headers: [.authorization: "Bearer \(try await ingress.token("ada"))"], body: nil)
            #expect(shown.headers[.eTag] == #""1""#)
            let posted = try await Self.send(
                client, AccessMatrix.postMessage, ticket: ticket.id, as: Self.ada, ingress: ingress,
                headers: [.prefer: "wait=5", .ifMatch: #""1""#])
            #expect(posted.status == .ok)
            #expect(posted.headers[.eTag] == #""2""#)
            #expect(posted.headers[.location] == "/api/v1/tickets/\(ticket.id)")
            // The same If-Match again: the ticket moved on, so the dispatcher's answer is 412.
            let stale = try await Self.send(
                client, AccessMatrix.cancelTicket, ticket: ticket.id, as: Self.ada, ingress: ingress,
                headers: [.prefer: "wait=5", .ifMatch: #""1""#])
            #expect(stale.status == .preconditionFailed)
        }
        #expect(ingress.model.events.map(\.version) == [2])
    }

    /// Every command on an archived ticket is refused with `ticket-archived` (409), and changes nothing.
    @Test(arguments: commands.filter { $0.resource == .ticket })
    func aCommandOnAnArchivedTicketIsAClearConflict(_ endpoint: Endpoint) async throws {
        let (ingress, ticket) = try await Self.ingress(dispatching: true)
        ingress.model.archive(ticket.id)
        try await ingress.test { client in
            let response = try await Self.send(
                client, endpoint, ticket: ticket.id, as: Self.caller(endpoint), ingress: ingress,
                headers: [.prefer: "wait=5"])
            #expect(response.status == .conflict)
            #expect(String(buffer: response.body).contains("/problems/ticket-archived"))
        }
        #expect(ingress.model.events.isEmpty)
    }

    @Test func availabilityIsACommandAboutTheCallerAnsweredWhenDone() async throws {
        let (ingress, _) = try await Self.ingress(dispatching: true)
        try await ingress.test { client in
            let response = try await client.execute(
                uri: "/api/v1/administrators/me/availability", method: .put,
                headers: [
                    .authorization: "Bearer \(try await ingress.token("ann"))", .contentType: "application/json",
                    .prefer: "wait=5",
                ], body: ByteBuffer(string: #"{"available":false}"#))
            #expect(response.status == .ok)
            #expect(String(buffer: response.body).contains(#""status":"done""#))
        }
        let ann = try #require(ingress.model.administrators.first)
        #expect(ann.id == DemoUser.all[2].id)
        #expect(ann.available == false)
        #expect(ingress.publisher.envelopes.map(\.ticketID) == [nil])
    }
}
