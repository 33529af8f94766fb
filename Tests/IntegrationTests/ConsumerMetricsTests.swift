import Foundation
import NIOHTTP1
import PostgresNIO
import SopzPostgres
import SopzTestSupport
import Testing

extension Integration {
    /// The real `sopz-dispatcher` and `sopz-notifier` executables, as an operator runs them,
    /// show on `/metrics` over HTTPS what they did with a ticket's creation, and stop cleanly.
    @Suite struct ConsumerMetricsTests {
        @Test func theDispatcherAndTheNotifierShowWhatTheyDid() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                try await system.database.query("TRUNCATE outbox")  // what earlier tests left unrelayed
                let (dispatcherPort, notifierPort) = (19_101, 19_102)
                let dispatcher = try ChildProcess.start(
                    "sopz-dispatcher", extra: ["SOPZ_METRICS_ADDRESS": "127.0.0.1:\(dispatcherPort)"])
                defer { dispatcher.kill() }
                let notifier = try ChildProcess.start(
                    "sopz-notifier", extra: ["SOPZ_METRICS_ADDRESS": "127.0.0.1:\(notifierPort)"])
                defer { notifier.kill() }

                let ada = try await system.token("ada")
                _ = try await NotifierTests.createTicket(system, token: ada)

                let applied = #"sopz_dispatcher_commands_total{type="ticket.create",outcome="applied"}"#
                let dispatcherMetrics = Locked("")
                try await eventually(interval: .milliseconds(100), "the dispatcher counts the creation") {
                    dispatcherMetrics.set(
                        try await OperationsScrape.get("/metrics", port: dispatcherPort, settings: system.settings).1)
                    return OperationsScrape.value(of: applied, in: dispatcherMetrics.value) ?? 0 >= 1
                }
                let delays = OperationsScrape.value(
                    of: "sopz_dispatcher_command_commit_delay_seconds_count", in: dispatcherMetrics.value)
                #expect(delays ?? 0 >= 1)
                #expect(
                    OperationsScrape.value(
                        of: #"sopz_dispatcher_batch_size_commands_bucket{le="+Inf"}"#, in: dispatcherMetrics.value)
                        ?? 0 >= 1)
                #expect(
                    OperationsScrape.value(
                        of: #"sopz_dispatcher_commands_total{type="ticket.create",outcome="dead_lettered"}"#,
                        in: dispatcherMetrics.value) == 0)

                let published = #"sopz_outbox_events_published_total{event="ticket.created"}"#
                let notifierMetrics = Locked("")
                try await eventually(interval: .milliseconds(100), "the notifier counts the event and an empty outbox")
                {
                    notifierMetrics.set(
                        try await OperationsScrape.get("/metrics", port: notifierPort, settings: system.settings).1)
                    return OperationsScrape.value(of: published, in: notifierMetrics.value) ?? 0 >= 1
                        && OperationsScrape.value(of: "sopz_outbox_backlog_events", in: notifierMetrics.value) == 0
                }
                #expect(OperationsScrape.value(of: "sopz_outbox_lag_seconds", in: notifierMetrics.value) == 0)
                #expect(
                    OperationsScrape.value(
                        of: #"sopz_amqp_reconnects_total{connection="publisher"}"#, in: notifierMetrics.value) == 0)
                for port in [dispatcherPort, notifierPort] {
                    #expect(try await OperationsScrape.get("/healthz", port: port, settings: system.settings).0 == .ok)
                    #expect(try await OperationsScrape.get("/readyz", port: port, settings: system.settings).0 == .ok)
                }
                #expect(dispatcher.terminate() == 0)
                #expect(notifier.terminate() == 0)
            }
        }
    }
}
