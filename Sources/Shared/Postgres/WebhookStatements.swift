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
