import Foundation
import Logging
import PostgresNIO
import SopzContract

/// An event waiting to be published to `sopz.events` (or a saga's request to `sopz.integration`).
public struct OutboxRow: Sendable, Equatable {
    public let id: Int64
    /// Where it goes: `sopz.events`, or `sopz.integration` for a saga's request.
    public var exchange = Topology.eventsExchange
    public let eventID: UUID
    public let routingKey: String
    public let type: String
    public let subject: String
    public let data: String
    public let occurredAt: Date
    /// The ticket's version after the event (nil on rows written before it was recorded).
    public let ticketVersion: Int?

    public init(
        id: Int64, eventID: UUID, routingKey: String, type: String, subject: String, data: String, occurredAt: Date,
        ticketVersion: Int?
    ) {
        self.id = id
        self.eventID = eventID
        self.routingKey = routingKey
        self.type = type
        self.subject = subject
        self.data = data
        self.occurredAt = occurredAt
        self.ticketVersion = ticketVersion
    }
}

/// The outbox side of the write model, read by the notifier.
public struct OutboxStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Takes up to `limit` of the oldest rows no other relay holds (`SKIP LOCKED`) out of the
    /// outbox, hands them to `publish` in their order, and commits the removal only when
    /// `publish` returned (every confirm arrived). If `publish` throws, the transaction rolls
    /// back and the rows stay for the next attempt. Returns how many rows were relayed.
    ///
    /// In the same transaction every row an active webhook subscription wants becomes a pending
    /// delivery (and its event a webhook message): made exactly when the event leaves, never twice,
    /// never lost — and made here rather than on the dispatchers' path.
    ///
    /// The removal commits without waiting for its WAL flush: if a crash loses it, the rows come
    /// back and are published again, which at-least-once delivery with stable event ids allows.
    /// Waiting for the flush would cost every relay round a disk sync for nothing.
    public func relay(limit: Int, publish: ([OutboxRow]) async throws -> Void) async throws -> Int {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.perform("SET LOCAL synchronous_commit TO off", logger: logger)
            var rows: [OutboxRow] = []
            let sequence = try await connection.query(
                """
                WITH taken AS (
                    DELETE FROM outbox WHERE id IN (
                        SELECT id FROM outbox ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                    RETURNING id, event_id, routing_key, type, subject, data, occurred_at, ticket_version, exchange
                ), wanted AS (
                    SELECT t.event_id, s.id AS webhook_id FROM taken AS t
                    JOIN webhook_subscriptions AS s
                        ON t.exchange = 'sopz.events' AND s.status = 'active' AND s.document -> 'events' ? substr(t.routing_key, 8)
                ), messages AS (
                    INSERT INTO webhook_messages (event_id, type, subject, data, occurred_at, ticket_version)
                    SELECT event_id, type, subject, data, occurred_at, ticket_version FROM taken
                    WHERE event_id IN (SELECT event_id FROM wanted)
                    ON CONFLICT (event_id) DO NOTHING
                ), deliveries AS (
                    INSERT INTO webhook_deliveries (webhook_id, event_id, state, next_attempt_at)
                    SELECT webhook_id, event_id, 'pending', now() FROM wanted
                    ON CONFLICT (webhook_id, event_id) DO NOTHING
                )
                SELECT id, event_id, routing_key, type, subject, data::text, occurred_at, ticket_version, exchange FROM taken
                """, logger: logger
            ).decode((Int64, UUID, String, String, String, String, Date, Int?, String).self)
            for try await (id, eventID, routingKey, type, subject, data, occurredAt, version, exchange) in sequence {
                var row = OutboxRow(
                    id: id, eventID: eventID, routingKey: routingKey, type: type, subject: subject, data: data,
                    occurredAt: occurredAt, ticketVersion: version)
                row.exchange = exchange
                rows.append(row)
            }
            guard !rows.isEmpty else { return 0 }
            rows.sort { $0.id < $1.id }  // RETURNING promises no order
            try await publish(rows)
            return rows.count
        }
    }

    /// What waits in the outbox: how many rows, counted up to `Backlog.countLimit` (measuring
    /// must stay cheap however far behind the relay is), and when the oldest event happened.
    public struct Backlog: Sendable, Equatable {
        public let rows: Int
        /// nil when the outbox is empty.
        public let oldestAt: Date?

        public static let countLimit = 10_000
    }

    /// Measures the backlog (for the metrics and the notifier's autoscaling).
    public func backlog() async throws -> Backlog {
        let row = try await client.query(
            """
            SELECT (SELECT count(*) FROM (SELECT 1 FROM outbox LIMIT \(Backlog.countLimit)) AS waiting)::int8,
                   (SELECT occurred_at FROM outbox ORDER BY id LIMIT 1)
            """, logger: logger
        ).decode((Int, Date?).self).all().first
        return Backlog(rows: row?.0 ?? 0, oldestAt: row?.1)
    }

    /// Rows not yet published (for tests).
    public func pendingCount() async throws -> Int {
        for try await count in try await client.query("SELECT count(*)::bigint FROM outbox", logger: logger)
            .decode(Int.self)
        {
            return count
        }
        return 0
    }
}
