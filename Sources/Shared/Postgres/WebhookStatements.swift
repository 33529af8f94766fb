import Foundation
import PostgresNIO
import SopzContract
import SopzDomain

/// Webhook subscriptions as the write model keeps them: one row each, the subscription as its
/// JSON document beside the columns that are searched.
enum WebhookRows {
    static func subscription(from document: String) throws -> WebhookSubscription {
        try JSONCoding.decoder().decode(WebhookSubscription.self, from: Data(document.utf8))
    }

    static func subscriptions(_ rows: PostgresRowSequence) async throws -> [WebhookSubscription] {
        var found: [WebhookSubscription] = []
        for try await document in rows.decode(String.self) { found.append(try subscription(from: document)) }
        return found
    }

    /// Locks and loads the subscriptions `ids` name (a batch's: `WebhookBound`).
    static func lock(_ ids: [WebhookID]) -> PostgresQuery {
        "SELECT document::text FROM webhook_subscriptions WHERE id = ANY(\(ids.map(\.rawValue))) ORDER BY id FOR UPDATE"
    }

    /// Starts the deliveries `replays` name again (those of other subscriptions, or none, are left
    /// alone): pending at once, attempts counted from one; their attempts so far stay in the log.
    static func replay(_ replays: [WebhookReplay]) -> PostgresQuery {
        let webhooks = replays.map(\.webhookID.rawValue)
        let deliveries = replays.map(\.deliveryID)
        return """
            UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(), finished_at = NULL
            WHERE (webhook_id, id) IN (SELECT * FROM unnest(\(webhooks)::uuid[], \(deliveries)::int8[]))
            """
    }

    /// Stores `webhooks` (their rows, if any, are locked by the batch); returns how many.
    static func upsert(_ webhooks: [WebhookSubscription]) throws -> PostgresQuery {
        let documents = String(decoding: try JSONCoding.encoder().encode(webhooks), as: UTF8.self)
        return """
            INSERT INTO webhook_subscriptions (id, status, created_at, document)
            SELECT (d->>'id')::uuid, d->>'status', (d->>'createdAt')::timestamptz, d
            FROM jsonb_array_elements(\(documents)::jsonb) AS d
            ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, document = EXCLUDED.document
            RETURNING 1
            """
    }
}
