import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SopzAMQP
import SopzDomain
import SopzTestSupport
import Testing

@testable import Ingress

extension Integration {
    @Suite struct TicketFlowTests {
        let body = #"{"title":"Printer jams","description":"Every second page","category":"hardware"}"#

        @Test func aPostIsAcceptedAppliedAndReadable() async throws {
            try await TestSystem.run { system in
                try await system.resetWork()  // no administrator left available by another test
                let ada = try await system.token("ada")
                try await system.http { client in
                    let accepted = try await client.post("/api/v1/tickets", token: ada, json: body)
                    #expect(accepted.status == .accepted)
                    let commandID = try #require(accepted.json["commandId"] as? String)
                    let ticketID = try #require(accepted.json["ticketId"] as? String)
                    #expect(accepted.json["status"] as? String == "accepted")
                    #expect(accepted.headers[.location] == "/api/v1/commands/\(commandID)")

                    try await eventually("the command is done") {
                        let status = try await client.get("/api/v1/commands/\(commandID)", token: ada)
                        return status.json["status"] as? String == "done"
                    }
                    let ticket = try await client.get("/api/v1/tickets/\(ticketID)?minVersion=1", token: ada)
                    #expect(ticket.status == .ok)
                    #expect(ticket.json["title"] as? String == "Printer jams")
                    #expect(ticket.json["status"] as? String == "new")
                    #expect(ticket.json["category"] as? String == "hardware")
                }
            }
        }

        @Test func preferWaitAnswersWithTheTicket() async throws {
            try await TestSystem.run { system in
                try await system.resetWork()  // no administrator left available by another test
                let ada = try await system.token("ada")
                try await system.http { client in
                    let created = try await client.post(
                        "/api/v1/tickets", token: ada, json: body, headers: [.prefer: "wait=10"])
                    #expect(created.status == .created)
                    #expect(created.headers[.preferenceApplied] == "wait=10")
                    let id = try #require(created.json["id"] as? String)
                    #expect(created.headers[.location] == "/api/v1/tickets/\(id)")
                    #expect(created.json["ownerName"] as? String == "Ada Client")
                    #expect(created.json["version"] as? Int == 1)
                }
            }
        }

        @Test func theSameIdempotencyKeyTwiceGivesOneTicket() async throws {
            try await TestSystem.run { system in
                let ada = try await system.token("ada")
                let key = UUID().uuidString
                try await system.http { client in
                    let first = try await client.post(
                        "/api/v1/tickets", token: ada, json: body, headers: [.idempotencyKey: key])
                    let second = try await client.post(
                        "/api/v1/tickets", token: ada, json: body, headers: [.idempotencyKey: key, .prefer: "wait=10"])
                    #expect(first.status == .accepted)
                    #expect(second.status == .created)
                    let commandID = try #require(first.json["commandId"] as? String)
                    let ticketText = try #require(first.json["ticketId"] as? String)
                    let ticketID = try #require(TicketID(ticketText))
                    #expect(second.json["id"] as? String == ticketID.description)
                    #expect(try await system.ticketCount(ticketID) == 1)
                    let command = try #require(CommandID(commandID))
                    #expect(try await system.eventCount(command: command) == 1)
                }
            }
        }

        /// The key names the first request: the same key with another body is refused (422) and
        /// changes nothing; the first request repeated still gets its ticket.
        @Test func anIdempotencyKeyReusedForAnotherRequestIsRefused() async throws {
            try await TestSystem.run { system in
                let ada = try await system.token("ada")
                let key = UUID().uuidString
                let other = #"{"title":"Another title","description":"d"}"#
                try await system.http { client in
                    let first = try await client.post(
                        "/api/v1/tickets", token: ada, json: body, headers: [.idempotencyKey: key, .prefer: "wait=10"])
                    #expect(first.status == .created)
                    let ticketID = try #require((first.json["id"] as? String).flatMap(TicketID.init))

                    let reused = try await client.post(
                        "/api/v1/tickets", token: ada, json: other, headers: [.idempotencyKey: key, .prefer: "wait=10"])
                    #expect(reused.status == .unprocessableContent)
                    #expect(reused.headers[.contentType] == "application/problem+json")
                    #expect(reused.json["type"] as? String == "https://sopz.dev/problems/idempotency-key-reused")

                    // Spelt differently (key order, blanks), it is still the first request.
                    let respelt =
                        #"{ "category": "hardware", "description": "Every second page",  "title": "Printer jams" }"#
                    let again = try await client.post(
                        "/api/v1/tickets", token: ada, json: respelt,
                        headers: [.idempotencyKey: key, .prefer: "wait=10"])
                    #expect(again.status == .created)
                    #expect(again.json["id"] as? String == ticketID.description)
                    #expect(try await system.ticketCount(ticketID) == 1)
                    let shown = try await client.get("/api/v1/tickets/\(ticketID)?minVersion=1", token: ada)
                    #expect(shown.json["title"] as? String == "Printer jams")
                }
            }
        }

        @Test func othersCannotSeeATicketOrItsCommand() async throws {
            try await TestSystem.run { system in
                let ada = try await system.token("ada")
                let ben = try await system.token("ben")
                let ann = try await system.token("ann")
                try await system.http { client in
                    let created = try await client.post(
                        "/api/v1/tickets", token: ada, json: body, headers: [.prefer: "wait=10"])
                    let id = try #require(created.json["id"] as? String)
                    let commandLocation = "/api/v1/commands/"
                    #expect(try await client.get("/api/v1/tickets/\(id)?minVersion=1", token: ann).status == .ok)
                    #expect(try await client.get("/api/v1/tickets/\(id)", token: ben).status == .notFound)
                    let accepted = try await client.post("/api/v1/tickets", token: ada, json: body)
                    let commandID = try #require(accepted.json["commandId"] as? String)
                    #expect(try await client.get(commandLocation + commandID, token: ben).status == .notFound)
                    #expect(try await client.get(commandLocation + UUID().uuidString, token: ada).status == .notFound)
                    #expect(try await client.get("/api/v1/tickets/\(UUID())", token: ada).status == .notFound)
                    #expect(try await client.get("/api/v1/tickets/not-a-uuid", token: ada).status == .notFound)
                }
            }
        }

        @Test func concurrentFirstRequestsShareOneKeyFetch() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                let ada = try await system.token("ada")
                try await system.http { client in
                    try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                        for _ in 0..<20 {
                            group.addTask { try await client.get("/api/v1/tickets/\(UUID())", token: ada).status }
                        }
                        for try await status in group {
                            #expect(status == .notFound)  // authenticated (not 401/503), then not found
                        }
                    }
                }
                let keySource = try #require(system.dependencies.verifier.keySource as? OIDCKeySource)
                #expect(keySource.fetchCount == 1)
            }
        }

        @Test func aQueuedCommandIsAcceptedForItsIssuerOnly() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                let ada = try await system.token("ada")
                let ben = try await system.token("ben")
                try await system.http { client in
                    let accepted = try await client.post("/api/v1/tickets", token: ada, json: body)
                    let commandID = try #require(accepted.json["commandId"] as? String)
                    let status = try await client.get("/api/v1/commands/\(commandID)", token: ada)
                    #expect(status.status == .ok)
                    #expect(status.json["status"] as? String == "accepted")
                    #expect(try await client.get("/api/v1/commands/\(commandID)", token: ben).status == .notFound)
                }
                // Leave nothing behind for the next test.
                try await system.administration.purge(queue: "sopz.dispatcher")
            }
        }
    }
}
