import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import SopzAMQP
import SopzContract
import SopzDomain
import SopzRuntime
import SopzTestSupport
import Testing

@testable import Ingress

extension Integration {
    /// What an external team relies on, checked with an AMQP client nobody here wrote (PyPI's
    /// pika): the CloudEvents of a whole ticket life arrive on their own queue bound to
    /// `sopz.events`, each with a stable id, its type and subject, and the ticket's version to
    /// order them by.
    @Suite struct ExternalConsumerTests {
        static let queue = "sopz.test.external-team"

        @Test func anOrdinaryAMQPClientReceivesAndParsesAWholeTicketLife() async throws {
            try await TestSystem.run(notifier: true) { system in
                try await system.resetWork()
                try await system.database.query("TRUNCATE outbox")
                try await system.administration.declareQueue(
                    Self.queue, boundTo: Topology.eventsExchange, bindingKey: "ticket.#")
                _ = try await system.administration.purge(queue: Self.queue)
                let tokens = try await system.tokens(["ada", "ann"])
                let ticket = Locked<String?>(nil)
                try await system.http { client in
                    _ = try await client.send(
                        .put, "/api/v1/administrators/me/availability", token: tokens["ann"],
                        json: #"{"available":true}"#, headers: [.prefer: "wait=10"])
                    let created = try await client.post(
                        "/api/v1/tickets", token: tokens["ada"], json: #"{"title":"VPN","description":"Down"}"#,
                        headers: [.prefer: "wait=10"])
                    let id = try #require(created.json["id"] as? String)
                    ticket.set(id)
                    for (user, suffix, body) in [
                        ("ada", "/messages", #"{"body":"Since 9:00"}"#),
                        ("ann", "/status", #"{"status":"in_progress"}"#),
                        ("ann", "/status", #"{"status":"resolved","comment":"Token renewed"}"#),
                        ("ada", "/confirm", "{}"),
                    ] {
                        let answer = try await client.post(
                            "/api/v1/tickets/\(id)\(suffix)", token: tokens[user], json: body,
                            headers: [.prefer: "wait=10"])
                        #expect(answer.status == .ok, "\(suffix): \(answer.text)")
                    }
                }
                let id = try #require(ticket.value)
                let out = FileManager.default.temporaryDirectory.appendingPathComponent("sopz-\(UUID()).jsonl")
                defer { try? FileManager.default.removeItem(at: out) }
                let consumer = try ChildProcess.testTool(
                    "amqp_consumer.py",
                    arguments: [
                        try #require(TestEnvironment.environment["SOPZ_AMQP_URL"]),
                        try #require(system.settings.caFile),
                        Self.queue, id.lowercased(), "6", "30", out.path,
                    ])
                consumer.process.waitUntilExit()
                #expect(consumer.process.terminationStatus == 0)
                let messages = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map {
                    try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
                }
                let headers = messages.compactMap { $0["headers"] as? [String: Any] }
                #expect(
                    messages.compactMap { $0["routingKey"] as? String } == [
                        "ticket.created", "ticket.assigned", "ticket.message_posted", "ticket.status_changed",
                        "ticket.resolved", "ticket.status_changed",
                    ])
                #expect(headers.map { $0["cloudEvents:ticketversion"] as? String } == ["1", "2", "3", "4", "5", "6"])
                #expect(headers.allSatisfy { $0["cloudEvents:specversion"] as? String == "1.0" })
                #expect(headers.allSatisfy { $0["cloudEvents:source"] as? String == EventCatalogue.source })
                #expect(
                    headers.map { $0["cloudEvents:type"] as? String }
                        == messages.map { "sopz." + (($0["routingKey"] as? String) ?? "") + ".v1" })
                let ids = headers.compactMap { $0["cloudEvents:id"] as? String }
                #expect(Set(ids).count == 6)
                #expect(ids == messages.compactMap { $0["messageId"] as? String })
                #expect(messages.allSatisfy { $0["contentType"] as? String == "application/json" })
                let bodies = messages.compactMap { $0["body"] as? [String: Any] }
                #expect((bodies.first?["id"] as? String)?.lowercased() == id.lowercased())
                #expect(bodies[2]["body"] as? String == "Since 9:00")
                #expect(bodies[4]["comment"] as? String == "Token renewed")
                #expect(bodies[5]["to"] as? String == "closed")
            }
        }
    }
}
