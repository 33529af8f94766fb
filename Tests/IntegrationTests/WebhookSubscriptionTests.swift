import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import SopzAMQP
import SopzContract
import SopzDomain
import SopzPorts
import SopzPostgres
import SopzTestSupport
import Testing

@testable import Ingress

extension Integration {
    /// Webhook subscriptions through the real servers: commands through RabbitMQ and a
    /// dispatcher into PostgreSQL, read back from it. (A registration delivered twice is applied
    /// once: `TicketWorkTests`, with every other command.)
    @Suite struct WebhookSubscriptionTests {
        @Test func aManagersSubscriptionsAreStoredChangedAndPaged() async throws {
            try await TestSystem.run { system in
                try await system.database.query("TRUNCATE webhook_subscriptions")
                let max = try await system.token("max")
                let wait: HTTPFields = [.prefer: "wait=10"]
                try await system.http { client in
                    var ids: [String] = []
                    for name in ["a", "b", "c"] {
                        let registered = try await client.post(
                            "/api/v1/webhooks", token: max,
                            json: #"{"url":"https://\#(name).example.com/in","events":["resolved"]}"#, headers: wait)
                        #expect(registered.status == .created)
                        ids.append(try #require(registered.json["webhookId"] as? String))
                    }
                    let first = try await client.get("/api/v1/webhooks?limit=2", token: max)
                    let firstItems = try #require(first.json["items"] as? [[String: Any]])
                    let cursor = try #require(first.json["nextCursor"] as? String)
                    let second = try await client.get("/api/v1/webhooks?limit=2&cursor=\(cursor)", token: max)
                    let secondItems = try #require(second.json["items"] as? [[String: Any]])
                    #expect((firstItems + secondItems).compactMap { $0["id"] as? String } == ids)
                    #expect(second.json["nextCursor"] is NSNull)

                    let rotated = try await client.post(
                        "/api/v1/webhooks/\(ids[0])/rotate-secret", token: max, json: "{}", headers: wait)
                    #expect(rotated.status == .ok)
                    let id = try #require(WebhookID(ids[0]))
                    #expect(
                        rotated.json["secret"] as? String
                            == WebhookSecrets(key: Array(repeating: 0x5B, count: 32)).secret(
                                for: id,
                                madeBy: try #require((rotated.json["commandId"] as? String).flatMap(CommandID.init))
                            ).text)
                    let stored = try #require(
                        try await WebhookStore(client: system.database, logger: .init(label: "t")).webhook(id))
                    #expect(stored.secretGeneration == 2 && stored.previousSecretValidUntil != nil)
                    #expect(stored.secretMadeBy.description == rotated.json["commandId"] as? String)
                    let deleted = try await client.execute(
                        uri: "/api/v1/webhooks/\(ids[1])", method: .delete,
                        headers: [.authorization: "Bearer \(max)", .prefer: "wait=10"], body: nil)
                    #expect(deleted.status == .ok)
                    let left = try await client.get("/api/v1/webhooks", token: max)
                    #expect(
                        (left.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [
                            ids[0], ids[2],
                        ])
                }
            }
        }
    }
}
