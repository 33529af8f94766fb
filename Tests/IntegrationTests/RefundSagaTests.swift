import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import SopzDomain
import SopzRuntime
import SopzTestSupport
import Testing

@testable import Dispatcher
@testable import Ingress

extension Integration {
    /// The refund saga with billing and the ledger played by the simulator, over the real broker:
    /// a refund ticket resolves only when both agree; a failure at either step, or a step that
    /// never answers, brings it back to in progress with the reason in its chat, billing's
    /// refund reversed when it had been made; duplicate replies change nothing.
    @Suite struct RefundSagaTests {
        /// Starts the simulator; what it received, one JSON object per request.
        static func simulator() async throws -> (ChildProcess, URL) {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("sopz-sim-\(UUID()).jsonl")
            let process = try ChildProcess.testTool(
                "integration_simulator.py",
                arguments: [
                    try #require(TestEnvironment.environment["SOPZ_AMQP_URL"]),
                    try #require(try TestEnvironment.settings().caFile), out.path, out.path + ".ready",
                ])
            try await eventually("the simulator listens") {
                FileManager.default.fileExists(atPath: out.path + ".ready")
            }
            return (process, out)
        }

        /// The routing keys of the requests the simulator received about `ticket`, in order.
        static func requests(_ out: URL, ticket: String) -> [String] {
            ((try? String(contentsOf: out, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                guard let record = try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any],
                    (record["body"] as? [String: Any])?["ticketId"] as? String == ticket
                else { return nil }
                return record["routingKey"] as? String
            }
        }

        static func becomeAvailable(client: any TestClientProtocol, tokens: [String: String]) async throws {
            let ready = try await client.send(
                .put, "/api/v1/administrators/me/availability", token: tokens["ann"], json: #"{"available":true}"#,
                headers: [.prefer: "wait=10"])
            #expect(ready.status == .ok)
        }

        /// A refund ticket for `order`, taken up by ann and resolved: the saga starts.
        static func resolveRefund(
            _ order: String, client: any TestClientProtocol, tokens: [String: String]
        ) async throws -> String {
            let created = try await client.post(
                "/api/v1/tickets", token: tokens["ada"],
                json: #"""
                    {"title":"Refund \#(order)","description":"Charged twice","category":"refund",
                     "refund":{"orderId":"\#(order)","amount":12.5,"currency":"EUR"}}
                    """#, headers: [.prefer: "wait=10"])
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            let working = try await client.post(
                "/api/v1/tickets/\(id)/status", token: tokens["ann"], json: #"{"status":"in_progress"}"#,
                headers: [.prefer: "wait=10"])
            #expect(working.json["status"] as? String == "in_progress")
            let resolving = try await client.post(
                "/api/v1/tickets/\(id)/status", token: tokens["ann"],
                json: #"{"status":"resolved","comment":"Refunded"}"#,
                headers: [.prefer: "wait=10"])
            #expect(resolving.status == .ok, "\(resolving.text)")
            // Not yet resolved: billing and the ledger have not answered.
            #expect(resolving.json["status"] as? String == "in_progress")
            return id
        }

        @Test func aRefundResolvesOnlyWhenBillingAndTheLedgerAgreeAndIsUndoneOtherwise() async throws {
            var options = DispatcherOptions()
            options.sagaStepTimeout = 2
            try await TestSystem.run(dispatcherOptions: options, notifier: true) { system in
                try await system.resetWork()
                try await system.database.query("TRUNCATE sagas")
                try await system.database.query(
                    "TRUNCATE webhook_attempts, webhook_deliveries, webhook_messages, webhook_subscriptions")
                let (simulator, out) = try await Self.simulator()
                defer { simulator.kill() }
                let tokens = try await system.tokens(["ada", "ann", "max"])
                try await system.http { client in
                    try await Self.becomeAvailable(client: client, tokens: tokens)
                    // A system that cannot speak AMQP hears of resolutions by webhook.
                    let port = 18_702
                    let subscribed = try await client.post(
                        "/api/v1/webhooks", token: tokens["max"],
                        json: #"{"url":"https://localhost:\#(port)/hook","events":["resolved"]}"#,
                        headers: [.prefer: "wait=10"])
                    #expect(subscribed.status == .created)
                    let webhook = try #require(subscribed.json["webhookId"] as? String)
                    let (receiver, heard) = try await WebhookDeliveryTests.receiver(
                        port: port, secret: try #require(subscribed.json["secret"] as? String), answers: "200")
                    defer { receiver.kill() }
                    func resolve(_ order: String) async throws -> String {
                        try await Self.resolveRefund(order, client: client, tokens: tokens)
                    }
                    func systemMessages(_ ticket: String) async throws -> [String] {
                        try await system.eventData(ticket: ticket, type: "message_posted").filter {
                            $0["authorRole"] as? String == "system"
                        }.compactMap { $0["body"] as? String }
                    }

                    // Both agree: resolved, with both references, each asked once.
                    let agreed = try await resolve("ok-1")
                    try await eventually("the refund resolves the ticket") {
                        try await !system.eventData(ticket: agreed, type: "resolved").isEmpty
                    }
                    let resolution = try #require(try await system.eventData(ticket: agreed, type: "resolved").first)
                    #expect(resolution["comment"] as? String == "Refunded")
                    let refund = try #require(resolution["refund"] as? [String: Any])
                    #expect((refund["reference"] as? String)?.hasPrefix("RF-") == true)
                    #expect((refund["ledgerReference"] as? String)?.hasPrefix("LG-") == true)
                    #expect(refund["orderId"] as? String == "ok-1")
                    #expect(Self.requests(out, ticket: agreed) == ["billing.refund.request", "ledger.refund.record"])

                    // Billing refuses: nothing to undo; back in progress, the reason in the chat.
                    let refused = try await resolve("fail-billing-1")
                    try await eventually("the failure is told in the chat") {
                        try await systemMessages(refused).contains { $0.contains("card account closed") }
                    }
                    #expect(Self.requests(out, ticket: refused) == ["billing.refund.request"])

                    // The ledger refuses: billing's refund is reversed, then back in progress.
                    let unrecorded = try await resolve("fail-ledger-1")
                    try await eventually("the reversal and the failure") {
                        try await systemMessages(unrecorded).contains { $0.contains("ledger period is closed") }
                    }
                    #expect(
                        Self.requests(out, ticket: unrecorded) == [
                            "billing.refund.request", "ledger.refund.record", "billing.refund.reverse",
                        ])

                    // The ledger never answers: while waiting the ticket cannot move; after the
                    // timeout billing's refund is reversed.
                    let silent = try await resolve("silent-ledger-1")
                    let held = try await client.post(
                        "/api/v1/tickets/\(silent)/status", token: tokens["ann"],
                        json: #"{"status":"waiting_for_client"}"#, headers: [.prefer: "wait=10"])
                    #expect(held.status == .conflict)
                    #expect(held.text.contains("refund-in-progress"))
                    try await eventually(timeout: .seconds(30), "the timeout undoes the refund") {
                        try await systemMessages(silent).contains { $0.contains("did not answer in time") }
                    }
                    #expect(
                        Self.requests(out, ticket: silent) == [
                            "billing.refund.request", "ledger.refund.record", "billing.refund.reverse",
                        ])

                    // Every reply sent twice: resolved once.
                    let doubled = try await resolve("twice-1")
                    try await eventually("the doubled refund resolves") {
                        try await !system.eventData(ticket: doubled, type: "resolved").isEmpty
                    }
                    #expect(Self.requests(out, ticket: doubled) == ["billing.refund.request", "ledger.refund.record"])

                    for ticket in [refused, unrecorded, silent] {
                        #expect(try await system.eventData(ticket: ticket, type: "resolved").isEmpty)
                        #expect(try await system.eventData(ticket: ticket, type: "status_changed").count == 1)
                    }
                    #expect(try await system.eventData(ticket: doubled, type: "resolved").count == 1)

                    // The receiver hears each resolution once, with billing's reference, and
                    // nothing of the refunds that were undone.
                    try await eventually("both resolutions reach the receiver") {
                        WebhookDeliveryTests.requests(heard).count >= 2
                    }
                    let resolutions = WebhookDeliveryTests.requests(heard)
                    #expect(resolutions.allSatisfy { $0["verified"] as? Bool == true })
                    let bodies = resolutions.compactMap { $0["body"] as? [String: Any] }
                    #expect(
                        bodies.map { $0["type"] as? String } == Array(repeating: "sopz.ticket.resolved.v1", count: 2))
                    #expect(Set(bodies.compactMap { $0["subject"] as? String }) == [agreed, doubled])
                    let heardRefund = bodies.first { $0["subject"] as? String == agreed }
                        .flatMap { ($0["data"] as? [String: Any])?["refund"] as? [String: Any] }
                    #expect(heardRefund?["reference"] as? String == refund["reference"] as? String)
                    let unsubscribed = try await client.execute(
                        uri: "/api/v1/webhooks/\(webhook)", method: .delete,
                        headers: [.authorization: "Bearer \(tokens["max"] ?? "")", .prefer: "wait=10"], body: nil)
                    #expect(unsubscribed.status == .ok)
                    #expect(
                        try await system.count(
                            "SELECT count(*)::bigint FROM sagas WHERE status IN ('running', 'compensating')") == 0)
                    #expect(try await system.count("SELECT count(*)::bigint FROM sagas WHERE status = 'failed'") == 3)

                    // Managers see them: the failed ones with their reasons, paged.
                    let failed = try await client.get("/api/v1/sagas?status=failed&limit=2", token: tokens["max"])
                    #expect(failed.status == .ok)
                    let page = try #require(failed.json["items"] as? [[String: Any]])
                    #expect(page.count == 2)
                    #expect(page.first?["ticketId"] as? String == silent)
                    #expect((page.first?["reason"] as? String)?.contains("did not answer in time") == true)
                    #expect(page.first?["saga"] as? String == "refund")
                    let cursor = try #require(failed.json["nextCursor"] as? String)
                    let rest = try await client.get(
                        "/api/v1/sagas?status=failed&cursor=\(cursor)", token: tokens["max"])
                    #expect((rest.json["items"] as? [[String: Any]])?.map { $0["ticketId"] as? String } == [refused])
                    let succeeded = try await client.get("/api/v1/sagas?status=succeeded", token: tokens["max"])
                    #expect((succeeded.json["items"] as? [Any])?.count == 2)
                    #expect(try await client.get("/api/v1/sagas", token: tokens["ann"]).status == .forbidden)
                    #expect(
                        try await client.get("/api/v1/sagas?status=lost", token: tokens["max"]).status == .badRequest)
                }
                try await system.expectEventsReplayToTheStoredTickets()
            }
        }

        /// Every process that carries the saga killed (SIGKILL) while billing's reply is on its
        /// way: fresh ones take it up from the write model and the queue, and billing is asked once.
        @Test func aSagaSurvivesItsDispatcherAndNotifierKilledMidWayWithoutADoubleRefund() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                try await system.resetWork()
                let (simulator, out) = try await Self.simulator()
                defer { simulator.kill() }
                let environment = ["SOPZ_SAGA_STEP_TIMEOUT_SECONDS": "30"]
                var dispatcher = try ChildProcess.start("sopz-dispatcher", extra: environment)
                var notifier = try ChildProcess.start("sopz-notifier", extra: environment)
                defer {
                    dispatcher.kill()
                    notifier.kill()
                }
                let tokens = try await system.tokens(["ada", "ann"])
                let resolved = Locked("")
                try await system.http { client in
                    try await Self.becomeAvailable(client: client, tokens: tokens)
                    resolved.set(try await Self.resolveRefund("slow-1", client: client, tokens: tokens))
                }
                let id = resolved.value
                // Billing has the request (the notifier relayed it) and answers in two seconds.
                try await eventually("billing is asked") { Self.requests(out, ticket: id).count == 1 }
                dispatcher.kill()
                notifier.kill()
                dispatcher = try ChildProcess.start("sopz-dispatcher", extra: environment)
                notifier = try ChildProcess.start("sopz-notifier", extra: environment)
                try await eventually(timeout: .seconds(30), "the refund resolves the ticket") {
                    try await !system.eventData(ticket: id, type: "resolved").isEmpty
                }
                #expect(Self.requests(out, ticket: id) == ["billing.refund.request", "ledger.refund.record"])
                #expect(try await system.eventData(ticket: id, type: "resolved").count == 1)
            }
        }
    }
}
