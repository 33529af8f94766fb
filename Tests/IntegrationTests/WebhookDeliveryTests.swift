import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import SopzContract
import SopzDomain
import SopzPorts
import SopzPostgres
import Logging
import NIOCore
import SopzRuntime
import SopzTestSupport
import Testing

@testable import Ingress
@testable import Notifier

extension Integration {
    /// Webhook deliveries end to end: an event leaves through the outbox, the notifier signs and
    /// POSTs it to a receiver that verifies it with PyPI's Standard Webhooks implementation, a
    /// failure is retried on the schedule, 410 Gone disables the subscription, and a name that
    /// resolves to this host is refused when the allow-list does not open it.
    @Suite struct WebhookDeliveryTests {
        static let ports = (flaky: 18_700, gone: 18_701)

        /// Starts a receiver answering `answers` on `port`; its requests, one JSON object each.
        static func receiver(port: Int, secret: String, answers: String) async throws -> (ChildProcess, URL) {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("sopz-hook-\(UUID()).jsonl")
            let process = try ChildProcess.testTool(
                "webhook_receiver.py",
                arguments: [
                    String(port), TestEnvironment.certificateFile, TestEnvironment.keyFile, secret, answers, out.path,
                ])
            try await eventually("the receiver listens") {
                FileManager.default.fileExists(atPath: out.path + ".ready")
            }
            return (process, out)
        }

        static func requests(_ out: URL) -> [[String: Any]] {
            ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        @Test func anEventIsSignedDeliveredRetriedAndAGoneReceiverDisablesItsSubscription() async throws {
            try await TestSystem.run(notifier: true) { system in
                try await system.database.query(
                    "TRUNCATE webhook_attempts, webhook_deliveries, webhook_messages, webhook_subscriptions")
                let max = try await system.token("max")
                let ada = try await system.token("ada")
                try await system.http { client in
                    func register(_ url: String) async throws -> (WebhookID, String) {
                        let registered = try await client.post(
                            "/api/v1/webhooks", token: max, json: #"{"url":"\#(url)","events":["created"]}"#,
                            headers: [.prefer: "wait=10"])
                        #expect(registered.status == .created)
                        return (
                            try #require((registered.json["webhookId"] as? String).flatMap(WebhookID.init)),
                            try #require(registered.json["secret"] as? String)
                        )
                    }
                    let (flaky, flakySecret) = try await register("https://localhost:\(Self.ports.flaky)/hook")
                    let (flakyReceiver, flakyOut) = try await Self.receiver(
                        port: Self.ports.flaky, secret: flakySecret, answers: "503,200")
                    defer { flakyReceiver.kill() }

                    let opened = try await client.post(
                        "/api/v1/tickets", token: ada, json: #"{"title":"Hooked","description":"Tell the CRM"}"#)
                    let ticketID = try #require(opened.json["ticketId"] as? String)
                    // The first attempt is answered 503; the next comes 4 to 6 s later.
                    try await eventually(timeout: .seconds(30), "the retry is delivered") {
                        Self.requests(flakyOut).count >= 2
                    }
                    let seen = Self.requests(flakyOut)
                    #expect(seen.count == 2)
                    #expect(seen.allSatisfy { $0["verified"] as? Bool == true })
                    #expect(seen.map { $0["status"] as? Int } == [503, 200])
                    #expect(Set(seen.compactMap { $0["id"] as? String }).count == 1)
                    let body = try #require(seen.last?["body"] as? [String: Any])
                    #expect(body["type"] as? String == "sopz.ticket.created.v1")
                    #expect(body["subject"] as? String == ticketID)
                    #expect(body["specversion"] as? String == "1.0")
                    #expect(seen.last?["id"] as? String == body["id"] as? String)
                    #expect((body["data"] as? [String: Any])?["title"] as? String == "Hooked")
                    #expect(seen.last?["contentType"] as? String == "application/cloudevents+json")
                    try await eventually("the delivery is recorded as delivered") {
                        try await system.count(
                            "SELECT count(*)::bigint FROM webhook_deliveries WHERE webhook_id = \(flaky.rawValue) AND state = 'delivered' AND attempts = 2"
                        ) == 1
                    }
                    #expect(
                        try await system.count(
                            "SELECT count(*)::bigint FROM webhook_attempts WHERE status IN (503, 200)") == 2)

                    // The manager reads the delivery log and replays the delivery: the receiver
                    // hears the same event again, under the same webhook-id.
                    let log = try await client.get("/api/v1/webhooks/\(flaky)/deliveries", token: max)
                    #expect(log.status == .ok)
                    let logged = try #require((log.json["items"] as? [[String: Any]])?.first)
                    #expect(logged["state"] as? String == "delivered")
                    #expect(logged["eventType"] as? String == "sopz.ticket.created.v1")
                    #expect(logged["eventId"] as? String == body["id"] as? String)
                    let attempts = try #require(logged["log"] as? [[String: Any]])
                    #expect(attempts.map { $0["status"] as? Int } == [503, 200])
                    #expect(attempts.map { $0["attempt"] as? Int } == [1, 2])
                    let deliveryID = try #require(logged["id"] as? String)
                    let ann = try await system.token("ann")
                    #expect(
                        try await client.post(
                            "/api/v1/webhooks/\(flaky)/deliveries/\(deliveryID)/replay", token: ann, json: "{}"
                        ).status == .forbidden)
                    #expect(
                        try await client.post(
                            "/api/v1/webhooks/\(flaky)/deliveries/999999999/replay", token: max, json: "{}"
                        ).status == .notFound)
                    let replayed = try await client.post(
                        "/api/v1/webhooks/\(flaky)/deliveries/\(deliveryID)/replay", token: max, json: "{}",
                        headers: [.prefer: "wait=10"])
                    #expect(replayed.status == .ok, "\(replayed.json)")
                    try await eventually("the replay is delivered") { Self.requests(flakyOut).count == 3 }
                    #expect(Self.requests(flakyOut).last?["id"] as? String == body["id"] as? String)
                    try await eventually("the replay is logged") {
                        let again = try await client.get("/api/v1/webhooks/\(flaky)/deliveries", token: max)
                        let entry = (again.json["items"] as? [[String: Any]])?.first
                        return entry?["state"] as? String == "delivered" && (entry?["log"] as? [Any])?.count == 3
                    }

                    // A receiver answering 410 Gone has its subscription disabled (through a
                    // command), and gets nothing more.
                    let (gone, goneSecret) = try await register("https://127.0.0.1:\(Self.ports.gone)/hook")
                    let (goneReceiver, goneOut) = try await Self.receiver(
                        port: Self.ports.gone, secret: goneSecret, answers: "410")
                    defer { goneReceiver.kill() }
                    _ = try await client.post(
                        "/api/v1/tickets", token: ada, json: #"{"title":"Second","description":"Both hear it"}"#)
                    try await eventually("the gone subscription is disabled") {
                        try await WebhookStore(client: system.database, logger: .init(label: "t")).webhook(gone)?
                            .status == .disabled
                    }
                    let disabled = try #require(
                        try await WebhookStore(client: system.database, logger: .init(label: "t")).webhook(gone))
                    #expect(disabled.disabledReason == "the receiver answered 410 Gone")
                    #expect(Self.requests(goneOut).map { $0["status"] as? Int } == [410])
                    try await eventually("the other receiver has the second event") {
                        Self.requests(flakyOut).count == 4
                    }

                    // Without the allow-list, a name whose DNS answer is this host is refused
                    // before any connection is made — the receiver hears nothing.
                    var guarded = try WebhookSender(policy: WebhookTargetPolicy(), caFile: system.settings.caFile)
                    guarded.resolve = { _, port in [try SocketAddress(ipAddress: "127.0.0.1", port: port)] }
                    let refused = await guarded.post(
                        to: "https://receiver.example:\(Self.ports.flaky)/hook", headers: [], body: Array("{}".utf8))
                    #expect(refused == .init(status: nil, error: "receiver.example is refused: 127.0.0.1 is loopback"))
                    let named = await guarded.post(
                        to: "https://localhost:\(Self.ports.flaky)/hook", headers: [], body: Array("{}".utf8))
                    #expect(named == .init(status: nil, error: "localhost is this host"))
                    #expect(Self.requests(flakyOut).count == 4)
                    let allowed = try WebhookSender(policy: TestSystem.webhooks.targets, caFile: system.settings.caFile)
                    #expect(
                        await allowed.post(
                            to: "https://localhost:\(Self.ports.flaky)/hook", headers: [], body: Array("{}".utf8)
                        ).status == 400)  // reached, and refused by the receiver: unsigned
                    #expect(Self.requests(flakyOut).count == 5)

                    // The log's retention: nothing is young enough to go yet; then, with the
                    // cut-off in the future, every finished delivery, its attempts and its event go.
                    let store = WebhookDeliveryStore(client: system.database, logger: .init(label: "t"))
                    try await eventually("every delivery has finished") {
                        try await system.count(
                            "SELECT count(*)::bigint FROM webhook_deliveries WHERE state = 'pending'")
                            == 0
                    }
                    #expect(try await store.prune(finishedBefore: Date().addingTimeInterval(-3_600)) == 0)
                    #expect(try await store.prune(finishedBefore: Date().addingTimeInterval(3_600)) == 3)
                    for table in ["webhook_deliveries", "webhook_attempts", "webhook_messages"] {
                        #expect(
                            try await system.count("SELECT count(*)::bigint FROM \(unescaped: table)") == 0, "\(table)")
                    }
                }
            }
        }
    }
}
