import Foundation
import PostgresNIO
import SopzContract
import SopzDomain
import SopzPorts

extension WebhookStore {
    /// At most this many attempts of a delivery are shown in the log, the latest.
    static let attemptsShown = 20

    /// One page of `id`'s delivery log, newest first, before `cursor` (`[deliveryId]`).
    public func deliveries(
        of id: WebhookID, limit: Int, after cursor: ListCursor?
    ) async throws -> Page<
        WebhookDelivery
    > {
        let before = cursor.flatMap { Int64($0.keys.first ?? "") } ?? Int64.max
        let rows = try await reads.run { client, logger in
            try await client.query(
                """
                SELECT d.id, d.event_id, m.type, d.state, d.attempts, d.next_attempt_at, d.created_at, d.finished_at,
                    (SELECT coalesce(json_agg(json_build_object(
                            'attempt', a.attempt, 'atMs', extract(epoch FROM a.attempted_at) * 1000,
                            'status', a.status, 'latencyMs', a.latency_ms, 'error', a.error) ORDER BY a.id), '[]')
                     FROM (SELECT * FROM webhook_attempts WHERE delivery_id = d.id
                           ORDER BY id DESC LIMIT \(Self.attemptsShown)) AS a)::text
                FROM webhook_deliveries AS d JOIN webhook_messages AS m ON m.event_id = d.event_id
                WHERE d.webhook_id = \(id.rawValue) AND d.id < \(before)
                ORDER BY d.id DESC LIMIT \(limit + 1)
                """, logger: logger
            ).decode((Int64, UUID, String, String, Int, Date, Date, Date?, String).self).all()
        }
        let found = try rows.map { id, eventID, type, state, attempts, next, created, finished, log in
            let state = WebhookDelivery.State(rawValue: state) ?? .failed
            return WebhookDelivery(
                id: id, eventId: eventID, eventType: type, state: state, attempts: attempts,
                nextAttemptAt: state == .pending ? next : nil, createdAt: created, finishedAt: finished,
                log: try JSONDecoder().decode([AttemptRow].self, from: Data(log.utf8)).map(\.logged))
        }
        return .first(limit, of: found) { [String($0.id)] }
    }

    private struct AttemptRow: Decodable {
        let attempt: Int
        let atMs: Double
        let status: Int?
        let latencyMs: Int
        let error: String?

        var logged: WebhookDelivery.Attempt {
            .init(
                attempt: attempt, at: Date(timeIntervalSince1970: atMs / 1_000), status: status, latencyMs: latencyMs,
                error: error)
        }
    }
}
