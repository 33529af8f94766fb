import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import SopzContract
import SopzDomain
import SopzTestSupport
import Synchronization
import Testing

@testable import Ingress

/// The HTTP edge's own logic — validation, problems, access, headers, `Prefer`, idempotency —
/// against in-memory ports: no server, and what "nothing was queued" means is exactly "nothing
/// was handed to the publisher".
@Suite struct HTTPEdgeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let body: String
        var contentType = "application/json"
        var token: String? = "ada"
        var authorization: String? = nil
        var headers: HTTPFields = [:]
        let status: HTTPResponse.Status
        var testDescription: String { name }
    }

    static let valid = #"{"title":"t","description":"d"}"#

    static let badInput: [Case] = [
        Case(name: "malformed JSON", body: #"{"title": "t", "#, status: .badRequest),
        Case(name: "not an object", body: #"["title"]"#, status: .badRequest),
        Case(name: "wrong type", body: #"{"title": 7, "description": "d"}"#, status: .badRequest),
        Case(name: "missing field", body: #"{"title": "t"}"#, status: .badRequest),
        Case(name: "null field", body: #"{"title": null, "description": "d"}"#, status: .badRequest),
        Case(name: "unknown field", body: #"{"title":"t","description":"d","admin":true}"#, status: .badRequest),
        Case(
            name: "unknown nested field",
            body: #"{"title":"t","description":"d","refund":{"orderId":"o","amount":1,"currency":"EUR","x":1}}"#,
            status: .badRequest),
        Case(
            name: "amount as string",
            body: #"{"title":"t","description":"d","refund":{"orderId":"o","amount":"1","currency":"EUR"}}"#,
            status: .badRequest),
        Case(name: "empty title", body: #"{"title":" ","description":"d"}"#, status: .unprocessableContent),
        Case(
            name: "title too long", body: #"{"title":"\#(String(repeating: "x", count: 201))","description":"d"}"#,
            status: .unprocessableContent),
        Case(
            name: "oversized body",
            body: #"{"title":"t","description":"\#(String(repeating: "x", count: 70_000))"}"#,
            status: .contentTooLarge),
        Case(name: "wrong content type", body: valid, contentType: "text/plain", status: .unsupportedMediaType),
        Case(name: "missing token", body: valid, token: nil, status: .unauthorized),
        Case(name: "not a bearer token", body: valid, token: nil, authorization: "Basic YTpi", status: .unauthorized),
        Case(
            name: "garbage token", body: valid, token: nil, authorization: "Bearer abc.def.ghi", status: .unauthorized),
        Case(
            name: "unsigned token", body: valid, token: nil,
            authorization: "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.", status: .unauthorized),
        Case(name: "an administrator cannot open tickets", body: valid, token: "ann", status: .forbidden),
        Case(name: "bad idempotency key", body: valid, headers: [.idempotencyKey: ""], status: .badRequest),
    ]

    @Test(arguments: badInput)
    func badInputIsRefusedWithAProblemAndNothingIsQueued(_ testCase: Case) async throws {
        let ingress = try await InMemoryIngress.make()
        var headers = testCase.headers
        headers[.contentType] = testCase.contentType
        if let username = testCase.token { headers[.authorization] = "Bearer \(try await ingress.token(username))" }
        if let authorization = testCase.authorization { headers[.authorization] = authorization }
        let requestHeaders = headers
        try await ingress.test { client in
            let response = try await client.execute(
                uri: "/api/v1/tickets", method: .post, headers: requestHeaders, body: ByteBuffer(string: testCase.body))
            #expect(response.status == testCase.status)
            #expect(response.headers[.contentType] == "application/problem+json")
            let problem = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
            #expect((problem?["type"] as? String)?.hasPrefix("https://sopz.dev/problems/") == true)
            #expect(problem?["status"] as? Int == testCase.status.code)
        }
        #expect(ingress.publisher.envelopes.isEmpty)
    }

    func post(
        _ client: any TestClientProtocol, token: String, body: String = valid, headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        headers[.contentType] = "application/json"
        headers[.authorization] = "Bearer \(token)"
        return try await client.execute(
            uri: "/api/v1/tickets", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    func json(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
    }

    @Test func aCommandIsAcceptedOnceQueuedAndStampedWithItsIssuer() async throws {
        let ingress = try await InMemoryIngress.make(dispatching: false)
        let token = try await ingress.token("ada")
        try await ingress.test { client in
            let response = try await post(client, token: token)
            #expect(response.status == .accepted)
            let commandID = try #require(json(response)["commandId"] as? String)
            #expect(response.headers[.location] == "/api/v1/commands/\(commandID)")
            #expect(json(response)["status"] as? String == "accepted")
        }
        let published = try #require(ingress.publisher.envelopes.first)
        #expect(ingress.publisher.envelopes.count == 1)
        #expect(published.issuer.id == DemoUser.all[0].id)
        #expect(published.command == .create(NewTicket(title: "t", description: "d")))
    }

    @Test func aBrokerThatDoesNotConfirmIsA503AndNothingIsAccepted() async throws {
        let ingress = try await InMemoryIngress.make()
        ingress.publisher.refuse(true)
        let token = try await ingress.token("ada")
        try await ingress.test { client in
            let response = try await post(client, token: token)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] != nil)
        }
        #expect(ingress.model.events.isEmpty)
    }

    @Test func preferWaitAnswersWithTheAppliedTicket() async throws {
        let ingress = try await InMemoryIngress.make()
        let token = try await ingress.token("ada")
        try await ingress.test { client in
            let response = try await post(client, token: token, headers: [.prefer: "wait=5"])
            #expect(response.status == .created)
            #expect(response.headers[.preferenceApplied] == "wait=5")
            let id = try #require(json(response)["id"] as? String)
            #expect(response.headers[.location] == "/api/v1/tickets/\(id)")
            #expect(json(response)["status"] as? String == "new")
        }
    }

    @Test func aRejectedCommandAnswersWithItsProblem() async throws {
        let ingress = try await InMemoryIngress.make()
        let token = try await ingress.token("ada")
        // The ticket this key's command would open exists already: the dispatcher refuses it.
        let commandID = ingress.dependencies.mint.mint(for: DemoUser.all[0].id, idempotencyKey: "taken")
        ingress.model.insert(Samples.ticket(id: TicketID(DerivedID.uuid(from: commandID.rawValue, label: "ticket"))))
        try await ingress.test { client in
            let response = try await post(client, token: token, headers: [.idempotencyKey: "taken", .prefer: "wait=5"])
            #expect(response.status == .conflict)
            #expect(json(response)["type"] as? String == "https://sopz.dev/problems/conflict")
        }
    }

    @Test func anIdempotencyKeyReusedForAnotherRequestIsRefused() async throws {
        let ingress = try await InMemoryIngress.make()
        let token = try await ingress.token("ada")
        try await ingress.test { client in
            let first = try await post(client, token: token, headers: [.idempotencyKey: "k-1"])
            #expect(first.status == .accepted)
            let again = try await post(
                client, token: token, body: #"{"title":"other","description":"d"}"#, headers: [.idempotencyKey: "k-1"])
            #expect(again.status == .unprocessableContent)
            #expect(json(again)["type"] as? String == "https://sopz.dev/problems/idempotency-key-reused")
        }
        #expect(ingress.publisher.envelopes.count == 1)
    }

    @Test func aRepeatedIdempotencyKeyIsAnsweredFromTheRecordWithoutQueueingAgain() async throws {
        let ingress = try await InMemoryIngress.make()
        let token = try await ingress.token("ada")
        try await ingress.test { client in
            let first = try await post(client, token: token, headers: [.idempotencyKey: "k-2", .prefer: "wait=5"])
            let again = try await post(client, token: token, headers: [.idempotencyKey: "k-2", .prefer: "wait=5"])
            #expect(first.status == .created)
            #expect(again.status == .created)
            #expect(json(first)["id"] as? String == json(again)["id"] as? String)
        }
        #expect(ingress.publisher.envelopes.count == 1)
    }

    @Test func aTicketIsShownToItsOwnerAndStaffAndHiddenFromOthers() async throws {
        let ingress = try await InMemoryIngress.make()
        let ada = DemoUser.all[0]
        let ticket = Samples.ticket(owner: User(id: ada.id, name: ada.name, roles: ada.roles))
        ingress.model.insert(ticket)
        var statuses: [String: HTTPResponse.Status] = [:]
        for username in ["ada", "ben", "ann", "max"] {
            let token = try await ingress.token(username)
            let status = Locked(HTTPResponse.Status.internalServerError)
            try await ingress.test { client in
                let response = try await client.execute(
                    uri: "/api/v1/tickets/\(ticket.id)", method: .get, headers: [.authorization: "Bearer \(token)"],
                    body: nil)
                status.set(response.status)
            }
            statuses[username] = status.value
        }
        #expect(statuses == ["ada": .ok, "ben": .notFound, "ann": .ok, "max": .ok])
    }

    @Test func unknownRoutesAndMissingTokensAreProblemsToo() async throws {
        let ingress = try await InMemoryIngress.make()
        try await ingress.test { client in
            let missing = try await client.execute(uri: "/nowhere", method: .get, body: nil)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")
            let noToken = try await client.execute(uri: "/api/v1/tickets/\(UUID())", method: .get, body: nil)
            #expect(noToken.status == .unauthorized)
            #expect(noToken.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
        }
    }

    @Test func readinessNamesWhatIsDown() async throws {
        let ingress = try await InMemoryIngress.make()
        let core = ingress.dependencies
        let down = IngressDependencies(
            commands: core.commands, outcomes: core.outcomes, tickets: core.tickets, readModel: core.readModel,
            webhooks: core.webhooks, sagas: core.sagas, webhookSecrets: core.webhookSecrets,
            webhookTargets: core.webhookTargets,
            progress: core.progress, live: core.live,
            readiness: [FixedReadiness("broker", ready: false), FixedReadiness("database")], signIn: core.signIn,
            waiter: core.waiter, mint: core.mint, verifier: core.verifier, metrics: core.metrics,
            rateLimiter: core.rateLimiter, corsOrigins: core.corsOrigins, maxBodyBytes: core.maxBodyBytes,
            web: core.web,
            logger: core.logger)
        try await Application(router: buildRouter(down)).test(.router) { client in
            let response = try await client.execute(uri: "/readyz", method: .get, body: nil)
            #expect(response.status == .serviceUnavailable)
            #expect(json(response) as? [String: String] == ["broker": "down", "database": "up"])
        }
    }
}

/// The ingress's in-flight gauge, which its autoscaler follows: a request counts while it is being
/// handled, and stops counting when it is answered or fails.
@Suite struct InFlightRequestTests {
    struct Refused: Error {}

    @Test func countsARequestWhileItIsHandledAndNotAfter() async throws {
        let metrics = HTTPMetrics()
        let seen = Mutex<[String?]>([])
        let router = Router(context: SopzRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.get("during") { _, _ in
            seen.withLock { $0.append(Self.inFlight(metrics)) }
            return "ok"
        }
        router.get("failing") { _, _ -> String in throw Refused() }
        try await Application(router: router).test(.router) { client in
            let during = try await client.execute(uri: "/during", method: .get)
            #expect(during.status == .ok)
            let failing = try await client.execute(uri: "/failing", method: .get)
            #expect(failing.status == .internalServerError)
        }
        #expect(seen.withLock { $0 } == ["1.0"])
        #expect(Self.inFlight(metrics) == "0.0")
    }

    static func inFlight(_ metrics: HTTPMetrics) -> String? {
        metrics.exposition().split(separator: "\n")
            .first { $0.hasPrefix("sopz_http_requests_in_flight ") }
            .map { String($0.split(separator: " ")[1]) }
    }
}
