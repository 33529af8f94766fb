import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SopzDomain
import SopzTestSupport
import Testing

@testable import Ingress

extension Integration {
    /// Every endpoint declared in `AccessMatrix` × every demo user (each role; the owner and
    /// someone else) × the owner's data, a stranger's view of it and data that does not exist.
    /// Generated from the table: declaring an endpoint is all it takes to have it tested here.
    @Suite struct AccessMatrixTests {
        enum Outcome: String { case allowed, forbidden, hidden }

        /// What docs/identity.md says should happen, computed from the declaration alone.
        static func expected(_ endpoint: Endpoint, caller: DemoUser, owner: DemoUser) -> Outcome {
            guard !endpoint.roles.isDisjoint(with: caller.roles) else { return .forbidden }
            let staff = caller.roles.contains(.administrator) || caller.roles.contains(.manager)
            switch endpoint.resource {
            case .none: return .allowed
            case .ticket: return staff || caller == owner ? .allowed : .hidden
            case .command: return caller == owner ? .allowed : .hidden
            case .webhook: return .allowed  // every manager manages every one; the role decides
            }
        }

        static func matches(_ status: HTTPResponse.Status, _ outcome: Outcome) -> Bool {
            switch outcome {
            case .allowed: (200..<300).contains(status.code)
            case .forbidden: status == .forbidden
            case .hidden: status == .notFound
            }
        }

        func request(
            _ endpoint: Endpoint, id: String?, delivery: String, as caller: DemoUser, system: TestSystem,
            client: any TestClientProtocol
        ) async throws -> TestResponse {
            let path =
                "/api/v1/"
                + endpoint.path.replacingOccurrences(of: ":deliveryId", with: delivery)
                .replacingOccurrences(of: ":id", with: id ?? "")
            // The live stream answers 200 and streams until the token expires: a token that
            // expires at once ends it.
            let token =
                endpoint == AccessMatrix.live
                ? try await system.token(caller.username, expiresIn: 0.2) : try await system.token(caller.username)
            var headers: HTTPFields = [.authorization: "Bearer \(token)"]
            var body: ByteBuffer?
            if let example = endpoint.exampleBody {
                headers[.contentType] = "application/json"
                body = ByteBuffer(string: example)
            }
            return try await client.execute(uri: path, method: endpoint.method, headers: headers, body: body)
        }

        @Test func everyRoleOnEveryEndpointForOwnOthersAndMissingData() async throws {
            try await TestSystem.run(notifier: true) { system in  // the notifier: the webhook gets a delivery
                let owner = DemoUser.all[0]
                #expect(DemoUser.all.count == 6)
                #expect(Set(DemoUser.all.flatMap(\.roles)) == Set(Role.allCases))
                try await system.http { client in
                    // A webhook, registered by the manager and applied, that hears of new tickets.
                    let registered = try await client.post(
                        "/api/v1/webhooks", token: try await system.token("max"),
                        json: #"{"url":"https://hooks.example.com/matrix","events":["created"]}"#,
                        headers: [.prefer: "wait=10"])
                    #expect(registered.status == .created)
                    let webhookID = try #require(registered.json["webhookId"] as? String)
                    // The owner's data: a ticket and the command that opened it.
                    let opened = try await client.post(
                        "/api/v1/tickets", token: try await system.token(owner.username),
                        json: #"{"title":"Matrix","description":"Whose is this?"}"#)
                    #expect(opened.status == .accepted)
                    let commandID = try #require(opened.json["commandId"] as? String)
                    let ticketID = try #require(opened.json["ticketId"] as? String)
                    try await eventually("the ticket exists") { try await system.ticketCount(TicketID(ticketID)!) == 1 }
                    let projected = try await client.get(
                        "/api/v1/tickets/\(ticketID)?minVersion=1", token: try await system.token(owner.username))
                    #expect(projected.status == .ok)

                    // The webhook's delivery of the ticket's creation (its log's first entry).
                    var deliveryID = ""
                    try await eventually("the creation is in the webhook's delivery log") {
                        let log = try await client.get(
                            "/api/v1/webhooks/\(webhookID)/deliveries", token: try await system.token("max"))
                        deliveryID = ((log.json["items"] as? [[String: Any]])?.first?["id"] as? String) ?? ""
                        return !deliveryID.isEmpty
                    }

                    var failures: [String] = []
                    var checked = 0
                    for endpoint in AccessMatrix.all {
                        let id: String? =
                            switch endpoint.resource {
                            case .none: nil
                            case .ticket: ticketID
                            case .command: commandID
                            case .webhook: webhookID
                            }
                        for caller in DemoUser.all {
                            let outcome = Self.expected(endpoint, caller: caller, owner: owner)
                            let response = try await request(
                                endpoint, id: id, delivery: deliveryID, as: caller, system: system, client: client)
                            checked += 1
                            if !Self.matches(response.status, outcome) {
                                failures.append(
                                    "\(endpoint) as \(caller.username): \(response.status.code), want \(outcome)")
                            }
                            if outcome != .allowed, response.headers[.contentType] != "application/problem+json" {
                                failures.append("\(endpoint) as \(caller.username): refusal is not a problem document")
                            }
                            // Data that does not exist is 404 for everyone the role check lets through.
                            guard endpoint.resource != .none else { continue }
                            let missing = try await request(
                                endpoint, id: UUID().uuidString.lowercased(), delivery: deliveryID, as: caller,
                                system: system, client: client)
                            let want: Outcome = outcome == .forbidden ? .forbidden : .hidden
                            if !Self.matches(missing.status, want) {
                                failures.append(
                                    "\(endpoint) as \(caller.username) on missing data: \(missing.status.code), want \(want)"
                                )
                            }
                        }
                    }
                    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
                    #expect(checked == AccessMatrix.all.count * DemoUser.all.count)
                }
            }
        }

        /// The expectation itself follows docs/identity.md for the endpoints that exist today.
        @Test func theDeclaredTableSaysWhatTheDocumentSays() {
            let (ada, ben, ann, max) = (DemoUser.all[0], DemoUser.all[1], DemoUser.all[2], DemoUser.all[5])
            #expect(Self.expected(AccessMatrix.createTicket, caller: ada, owner: ada) == .allowed)
            #expect(Self.expected(AccessMatrix.createTicket, caller: ann, owner: ada) == .forbidden)
            #expect(Self.expected(AccessMatrix.createTicket, caller: max, owner: ada) == .forbidden)
            #expect(Self.expected(AccessMatrix.showTicket, caller: ben, owner: ada) == .hidden)
            #expect(Self.expected(AccessMatrix.showTicket, caller: ann, owner: ada) == .allowed)
            #expect(Self.expected(AccessMatrix.showTicket, caller: max, owner: ada) == .allowed)
            #expect(Self.expected(AccessMatrix.showCommand, caller: ann, owner: ada) == .hidden)
            #expect(Self.expected(AccessMatrix.listAdministrators, caller: max, owner: ada) == .allowed)
            #expect(Self.expected(AccessMatrix.listAdministrators, caller: ann, owner: ada) == .forbidden)
            #expect(Self.expected(AccessMatrix.listAdministrators, caller: ada, owner: ada) == .forbidden)
        }
    }
}
