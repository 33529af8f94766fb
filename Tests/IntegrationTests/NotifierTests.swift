import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SopzDomain
import SopzInfrastructure
import Testing

@testable import Ingress
@testable import Notifier

extension Integration {
    @Suite struct NotifierTests {
        static let subscriber = "sopz.test.events"

        @Test func aCreatedTicketIsAnnouncedAsACloudEvent() async throws {
            try await TestSystem.run(notifier: true) { system in
                try await system.administration.declareQueue(
                    Self.subscriber, boundTo: Topology.eventsExchange, bindingKey: "ticket.#")
                let ada = try await system.token("ada")
                let ticketID = try await Self.createTicket(system, token: ada)
                let event = try await firstDelivery(from: Self.subscriber, settings: system.settings) {
                    $0.headers["cloudEvents:subject"] == ticketID
                }
                #expect(event.routingKey == "ticket.created")
                #expect(event.headers["cloudEvents:specversion"] == "1.0")
                #expect(event.headers["cloudEvents:type"] == "sopz.ticket.created.v1")
                #expect(event.headers["cloudEvents:source"] == "/sopz")
                #expect(event.headers["cloudEvents:id"] == event.messageID)
                #expect(event.headers["cloudEvents:time"]?.hasSuffix("Z") == true)
                let data = try JSONSerialization.jsonObject(with: Data(event.body)) as? [String: Any]
                #expect(data?["id"] as? String == ticketID)
                #expect(data?["status"] as? String == "new")
                let outbox = OutboxStore(client: system.database, logger: TestEnvironment.logger("test"))
                try await eventually("the outbox is drained") { try await outbox.pendingCount() == 0 }
            }
        }

        static func createTicket(_ system: TestSystem, token: String) async throws -> String {
            let result = Locked<String?>(nil)
            try await system.http { client in
                let created = try await client.post(
                    "/api/v1/tickets", token: token, json: #"{"title":"t","description":"d"}"#,
                    headers: [.prefer: "wait=10"])
                #expect(created.status == .created)
                result.set(created.json["id"] as? String)
            }
            return try #require(result.value)
        }
    }
}
