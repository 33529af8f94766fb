import Foundation
import Logging
import PostgresNIO
import SopzContract
import SopzDomain
import SopzPorts

/// Reads of the webhook subscriptions in the write model. (They are written by
/// `PostgresCommandStore`, as every command is.)
public struct WebhookStore: WebhookReading {
    let reads: BoundedReads

    public init(client: PostgresClient, logger: Logger, readTimeout: Duration = .seconds(2)) {
        reads = BoundedReads(client: client, logger: logger, timeout: readTimeout)
    }

    public func webhook(_ id: WebhookID) async throws -> WebhookSubscription? {
        try await reads.run { client, logger in
            try await WebhookRows.subscriptions(
                try await client.query(
                    "SELECT document::text FROM webhook_subscriptions WHERE id = \(id.rawValue)", logger: logger))
        }.first
    }

    public func webhooks(limit: Int, after cursor: ListCursor?) async throws -> Page<WebhookSubscription> {
        let after = cursor.flatMap { JSONCoding.date(from: $0.keys.first ?? "") } ?? .distantPast
        let afterID = cursor.flatMap { UUID(uuidString: $0.keys.last ?? "") } ?? WebhookRows.noID
        let found = try await reads.run { client, logger in
            try await WebhookRows.subscriptions(
                try await client.query(
                    """
                    SELECT document::text FROM webhook_subscriptions
                    WHERE status <> 'deleted' AND (created_at, id) > (\(after), \(afterID))
                    ORDER BY created_at, id LIMIT \(limit + 1)
                    """, logger: logger))
        }
        return .first(limit, of: found, keys: \.listKeys)
    }
}

extension WebhookRows {
    /// Below every id, for the first page.
    static let noID = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
}
