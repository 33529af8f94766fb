import Foundation
import SopzDomain
import Testing

@testable import Dispatcher
@testable import Notifier
@testable import SopzContract
@testable import SopzOperations
@testable import SopzPostgres

/// The consumers' metrics as Prometheus reads them: names with units, bounded labels, every
/// series present at zero before anything happened.
@Suite struct ProcessMetricsTests {
    static let issuer = User(id: "c", name: "C", roles: [.client])

    func envelope(_ command: TicketCommand, issuedAt: Date) -> CommandEnvelope {
        CommandEnvelope(
            commandID: CommandID(UUID()), issuedAt: issuedAt, issuer: Self.issuer, ticketID: TicketID(UUID()),
            command: command)
    }

    @Test func everyCommandTypeAndOutcomeIsASeriesFromTheStart() {
        let exposition = DispatcherMetrics().registry.exposition()
        for type in TicketCommand.types + ["unknown"] {
            for outcome in ["applied", "rejected", "duplicate", "dead_lettered"] {
                #expect(
                    exposition.contains(#"sopz_dispatcher_commands_total{type="\#(type)",outcome="\#(outcome)"} 0"#))
            }
        }
        #expect(exposition.contains(#"sopz_amqp_reconnects_total{connection="publisher"} 0"#))
        #expect(exposition.contains(#"sopz_amqp_reconnects_total{connection="consumer"} 0"#))
        #expect(exposition.contains("# HELP sopz_dispatcher_commands_total"))
    }

    @Test func aCommitRecordsItsDelayFromTheIngressAndItsOutcome() {
        let metrics = DispatcherMetrics()
        let now = Date()
        let create = envelope(.create(NewTicket(title: "t", description: "d")), issuedAt: now - 0.3)
        metrics.committed(create, as: .applied, now: now)
        // A clock ahead of the ingress's says the commit came first: counted as no delay.
        metrics.committed(
            envelope(.cancel(Cancellation(reason: nil)), issuedAt: now + 5), as: .rejected, now: now)
        metrics.batchApplied(3)
        metrics.amqp.publisherReconnected()
        let exposition = metrics.registry.exposition()
        #expect(exposition.contains(#"sopz_dispatcher_commands_total{type="ticket.create",outcome="applied"} 1"#))
        #expect(exposition.contains(#"sopz_dispatcher_commands_total{type="ticket.cancel",outcome="rejected"} 1"#))
        #expect(exposition.contains(#"sopz_dispatcher_command_commit_delay_seconds_bucket{le="0.01"} 1"#))
        #expect(exposition.contains(#"sopz_dispatcher_command_commit_delay_seconds_bucket{le="0.25"} 1"#))
        #expect(exposition.contains(#"sopz_dispatcher_command_commit_delay_seconds_bucket{le="0.5"} 2"#))
        #expect(exposition.contains("sopz_dispatcher_command_commit_delay_seconds_count 2"))
        #expect(exposition.contains(#"sopz_dispatcher_batch_size_commands_bucket{le="2.0"} 0"#))
        #expect(exposition.contains(#"sopz_dispatcher_batch_size_commands_bucket{le="4.0"} 1"#))
        #expect(exposition.contains(#"sopz_amqp_reconnects_total{connection="publisher"} 1"#))
    }

    @Test func theRelayCountsEventsByRoutingKeyAndShowsItsBacklog() {
        let metrics = RelayMetrics()
        let start = metrics.registry.exposition()
        for name in EventCatalogue.names {
            #expect(start.contains(#"sopz_outbox_events_published_total{event="ticket.\#(name)"} 0"#))
        }
        #expect(start.contains("sopz_outbox_lag_seconds 0"))
        let now = Date()
        func row(_ routingKey: String) -> OutboxRow {
            OutboxRow(
                id: 1, eventID: UUID(), routingKey: routingKey, type: "t", subject: "s", data: "{}", occurredAt: now,
                ticketVersion: 1)
        }
        metrics.published([row("ticket.created"), row("ticket.created"), row("ticket.someday")])
        metrics.record(OutboxStore.Backlog(rows: 42, oldestAt: now - 7), now: now)
        metrics.relayFailed()
        let exposition = metrics.registry.exposition()
        #expect(exposition.contains(#"sopz_outbox_events_published_total{event="ticket.created"} 2"#))
        #expect(exposition.contains(#"sopz_outbox_events_published_total{event="other"} 1"#))
        #expect(exposition.contains("sopz_outbox_backlog_events 42"))
        #expect(exposition.contains("sopz_outbox_lag_seconds 7"))
        #expect(exposition.contains("sopz_outbox_relay_failures_total 1"))
        metrics.record(OutboxStore.Backlog(rows: 0, oldestAt: nil), now: now)
        #expect(metrics.registry.exposition().contains("sopz_outbox_lag_seconds 0"))
    }
}
