import Foundation
import Logging
import PostgresNIO
import SopzContract
import SopzDomain

/// One delivery of one event to one subscription, as the notifier claims it.
public struct ClaimedDelivery: Sendable, Equatable {
    public let id: Int64
    /// This attempt's number (1 for the first).
    public let attempt: Int
    public let webhook: WebhookSubscription
    public let message: WebhookMessage
}

/// An event as a webhook carries it: a CloudEvent in the structured JSON form.
public struct WebhookMessage: Sendable, Equatable {
    public let eventID: UUID
    public let type: String
    public let subject: String
    public let data: String
    public let occurredAt: Date
    public let ticketVersion: Int?

    public init(eventID: UUID, type: String, subject: String, data: String, occurredAt: Date, ticketVersion: Int?) {
        self.eventID = eventID
        self.type = type
        self.subject = subject
        self.data = data
        self.occurredAt = occurredAt
        self.ticketVersion = ticketVersion
    }

    /// The CloudEvent id: the delivery's `webhook-id`, the same on every attempt and replay.
    public var id: String { eventID.uuidString.lowercased() }

    /// `{"specversion", "id", "source", "type", "subject", "time", "ticketversion"?, "datacontenttype", "data"}`.
    public var body: [UInt8] {
        var attributes: [String: String] = [
            "specversion": "1.0", "id": id, "source": EventCatalogue.source, "type": type, "subject": subject,
            "time": JSONCoding.timestamp(occurredAt), "datacontenttype": "application/json",
        ]
        if let ticketVersion { attributes["ticketversion"] = String(ticketVersion) }
        let encoded = (try? JSONCoding.encoder().encode(attributes)) ?? Data("{}".utf8)
        // The data is already JSON: spliced in as it is, not re-encoded.
        return Array(encoded.dropLast()) + Array(#","data":"#.utf8) + Array(data.utf8) + Array("}".utf8)
    }
}

/// The webhook deliveries in the write model: made by the outbox relay for every event a
/// subscription wants (`OutboxStore.relay`), claimed, tried and recorded by the notifier, read by
/// managers.
public struct WebhookDeliveryStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// How long a claimed delivery is left to the replica that claimed it: longer than an attempt
    /// may take. A replica that died mid-attempt leaves it due again after this.
    public static let lease: TimeInterval = 60

    /// Claims up to `limit` deliveries that are due, of active subscriptions, which no other
    /// replica holds: each is counted as attempted and leased.
    public func claimDue(limit: Int) async throws -> [ClaimedDelivery] {
        let rows = try await client.query(
            """
            WITH due AS (
                SELECT d.id FROM webhook_deliveries d
                JOIN webhook_subscriptions s ON s.id = d.webhook_id AND s.status = 'active'
                WHERE d.state = 'pending' AND d.next_attempt_at <= now()
                ORDER BY d.next_attempt_at LIMIT \(limit)
                FOR UPDATE OF d SKIP LOCKED
            )
            UPDATE webhook_deliveries AS d
            SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => \(Self.lease))
            FROM due, webhook_subscriptions AS s, webhook_messages AS m
            WHERE d.id = due.id AND s.id = d.webhook_id AND m.event_id = d.event_id
            RETURNING d.id, d.attempts, s.document::text, m.event_id, m.type, m.subject, m.data::text,
                m.occurred_at, m.ticket_version
            """, logger: logger
        ).decode((Int64, Int, String, UUID, String, String, String, Date, Int?).self).all()
        return try rows.map { id, attempt, document, eventID, type, subject, data, occurredAt, version in
            ClaimedDelivery(
                id: id, attempt: attempt, webhook: try WebhookRows.subscription(from: document),
                message: WebhookMessage(
                    eventID: eventID, type: type, subject: subject, data: data, occurredAt: occurredAt,
                    ticketVersion: version))
        }
    }

    /// What an attempt came to.
    public enum Result: Sendable, Equatable {
        case delivered
        /// Tried again at `at`.
        case retry(at: Date)
        /// Given up (the last attempt failed, or the receiver is gone).
        case givenUp
    }

    /// Records attempt `attempt` of delivery `id` in the log, and what follows from it — unless
    /// the delivery moved on meanwhile (replayed, or claimed again after the lease ran out): then
    /// only the log gains the attempt.
    public func record(
        delivery id: Int64, attempt: Int, at attemptedAt: Date, status: Int?, latency: Duration, error: String?,
        result: Result
    ) async throws {
        let state: String
        var next: Date?
        switch result {
        case .delivered: state = "delivered"
        case .retry(let at):
            state = "pending"
            next = at
        case .givenUp: state = "failed"
        }
        let milliseconds = Int(
            latency.components.seconds * 1_000 + latency.components.attoseconds / 1_000_000_000_000_000)
        try await client.perform(
            """
            WITH attempt AS (
                INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, status, latency_ms, error)
                VALUES (\(id), \(attempt), \(attemptedAt), \(status), \(milliseconds), \(error))
            )
            UPDATE webhook_deliveries SET state = \(state), next_attempt_at = coalesce(\(next), next_attempt_at),
                finished_at = CASE WHEN \(state) = 'pending' THEN NULL ELSE now() END
            WHERE id = \(id) AND attempts = \(attempt)
            """, logger: logger)
    }

    /// How long a finished delivery stays in the log (and replayable).
    public static let kept: TimeInterval = 30 * 86_400

    /// Forgets the deliveries finished before `cutoff` and every one of a deleted subscription
    /// (their attempts with them), then the events no delivery carries any more. Returns how many
    /// deliveries went.
    @discardableResult
    public func prune(finishedBefore cutoff: Date) async throws -> Int {
        let gone = try await client.query(
            """
            WITH gone AS (
                DELETE FROM webhook_deliveries AS d
                WHERE (d.state <> 'pending' AND d.finished_at < \(cutoff))
                    OR NOT EXISTS (
                        SELECT 1 FROM webhook_subscriptions AS s WHERE s.id = d.webhook_id AND s.status <> 'deleted')
                RETURNING d.id, d.event_id
            ), messages AS (
                DELETE FROM webhook_messages AS m
                WHERE m.event_id IN (SELECT event_id FROM gone)
                    AND NOT EXISTS (
                        SELECT 1 FROM webhook_deliveries AS d
                        WHERE d.event_id = m.event_id AND d.id NOT IN (SELECT id FROM gone))
            )
            SELECT count(*)::bigint FROM gone
            """, logger: logger
        ).decode(Int64.self).all()
        return Int(gone.first ?? 0)
    }
}
