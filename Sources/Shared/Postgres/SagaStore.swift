import Foundation
import Logging
import PostgresNIO
import SopzContract
import SopzDomain
import SopzPorts

/// The sagas in the write model, as the clock and managers read them.
public struct SagaStore: SagaReading {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// A saga whose awaited reply is late.
    public struct Due: Sendable, Equatable {
        public let sagaID: UUID
        public let ticketID: TicketID
        public let deadline: Date
    }

    /// Up to `limit` running or compensating sagas whose deadline passed by `now`, most late first.
    public func due(at now: Date, limit: Int) async throws -> [Due] {
        try await client.query(
            """
            SELECT id, ticket_id, deadline FROM sagas
            WHERE status IN ('running', 'compensating') AND deadline <= \(now)
            ORDER BY deadline LIMIT \(limit)
            """, logger: logger
        ).decode((UUID, UUID, Date).self).all().map { Due(sagaID: $0, ticketID: TicketID($1), deadline: $2) }
    }

    /// One page of the sagas with `statuses` (all when empty), the latest changed first, after
    /// `cursor` (`[updatedAt, id]`).
    public func sagas(statuses: [String], limit: Int, after cursor: ListCursor?) async throws -> Page<SagaSummary> {
        let after = cursor.flatMap { $0.keys.first.flatMap(JSONCoding.date(from:)) } ?? .distantFuture
        let afterID =
            cursor.flatMap { $0.keys.last.flatMap(UUID.init(uuidString:)) }
            ?? UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))
        let documents = try await client.query(
            """
            SELECT document::text FROM sagas
            WHERE (cardinality(\(statuses)::text[]) = 0 OR status = ANY(\(statuses)::text[]))
                AND (updated_at, id) < (\(after), \(afterID))
            ORDER BY updated_at DESC, id DESC LIMIT \(limit + 1)
            """, logger: logger
        ).decode(String.self).all()
        let found = try documents.map { SagaSummary(try SagaRows.saga(from: $0)) }
        return .first(limit, of: found) { [JSONCoding.timestamp($0.updatedAt), $0.id] }
    }
}
