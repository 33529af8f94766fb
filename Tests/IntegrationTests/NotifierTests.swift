import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import SopzAMQP
import SopzContract
import SopzPostgres
import SopzRuntime
import SopzTestSupport
import Testing

@testable import Ingress
@testable import Notifier

extension Integration {
    @Suite struct NotifierTests {
        static let subscriber = "sopz.test.events"

        @Test func aCreatedTicketIsAnnouncedAsACloudEvent() async throws {
            try await TestSystem.run(notifier: true) { system in
                try await system.database.query("TRUNCATE outbox")  // what earlier tests left unrelayed
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

        /// Rows that wait in the outbox (no notifier running) leave in one batch when it starts,
        /// in the order they were recorded, and the outbox is empty afterwards.
        @Test(.timeLimit(.minutes(1))) func eventsLeaveInTheOrderTheyWereRecorded() async throws {
            try await TestSystem.run { system in
                try await system.database.query("TRUNCATE outbox")  // what earlier tests left unrelayed
                try await system.administration.declareQueue(
                    Self.subscriber, boundTo: Topology.eventsExchange, bindingKey: "ticket.#")
                let ada = try await system.token("ada")
                var created: [String] = []
                for _ in 0..<6 { created.append(try await Self.createTicket(system, token: ada)) }
                let outbox = OutboxStore(client: system.database, logger: TestEnvironment.logger("test"))
                #expect(try await outbox.pendingCount() >= created.count)
                let backlog = try await outbox.backlog()  // what the notifier's metrics show
                #expect(backlog.rows >= created.count)
                #expect(try #require(backlog.oldestAt) <= Date())

                let logger = TestEnvironment.logger("test.notifier")
                let consumer = AMQPConsumer(
                    configuration: system.settings.amqp, queue: Self.subscriber, prefetch: 100, logger: logger)
                let expected = created
                let wanted = Set(expected)
                let arrived = Locked<[String]>([])
                try await withServices(
                    [try buildNotifier(settings: system.settings, logger: logger), consumer], logger: logger
                ) {
                    for await delivery in consumer.deliveries {
                        consumer.ack(delivery)
                        // Only the creations: with an administrator available each ticket is assigned too.
                        guard delivery.routingKey == "ticket.created",
                            let subject = delivery.headers["cloudEvents:subject"], wanted.contains(subject)
                        else {
                            continue
                        }
                        arrived.set(arrived.value + [subject])
                        if arrived.value.count == expected.count { break }
                    }
                }
                #expect(arrived.value == created)
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
