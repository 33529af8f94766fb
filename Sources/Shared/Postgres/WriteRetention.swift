import Foundation
import Logging
import PostgresNIO

/// Short-lived write data: tickets closed or cancelled longer ago than the retention leave the
/// write database — their row and their events — and a tombstone stays (`archived_tickets`: id,
/// owner, final status), so a command on one is refused clearly (`ticket-archived`) and its id is
/// never taken again.
///
/// Nothing is lost: a ticket goes only once every event of its is at or before the projector's
/// checkpoint, so in the read database's `event_archive` (written in the same transaction as the
/// views), where the long-term history lives; its view stays in the read model. Final tickets
/// change no more, so no event of theirs can come after. The events' append-only trigger lets
/// only this transaction delete (`sopz.retention`). Tickets a batch has locked are skipped and
/// taken next time.
public struct WriteRetention: Sendable {
    let eventStore: PostgresClient
    let readModel: PostgresClient
    let logger: Logger
    var batchSize = 1_000

    public init(eventStore: PostgresClient, readModel: PostgresClient, logger: Logger) {
        self.eventStore = eventStore
        self.readModel = readModel
        self.logger = logger
    }

    /// Archives every ticket final since before `cutoff` whose events are all projected, a batch
    /// per transaction; returns how many.
    @discardableResult
    public func archive(finalBefore cutoff: Date) async throws -> Int {
        var archived = 0
        while true {
            let batch = try await archiveBatch(finalBefore: cutoff)
            archived += batch
            if batch < batchSize { return archived }
        }
    }

    private func archiveBatch(finalBefore cutoff: Date) async throws -> Int {
        let checkpoint = try await PostgresProjectionStore.checkpoint(
            in: readModel.query(PostgresProjectionStore.checkpointQuery, logger: logger))
        return try await eventStore.withTransaction(logger: logger) { connection in
            try await connection.perform("SELECT set_config('sopz.retention', 'on', true)", logger: logger)
            return try await connection.query(
                """
                WITH due AS (
                    SELECT t.id, t.owner_id, t.status FROM tickets t
                    WHERE t.status IN ('closed', 'cancelled') AND t.updated_at < \(cutoff)
                      AND NOT EXISTS (
                          SELECT 1 FROM events e
                          WHERE e.ticket_id = t.id AND (e.transaction_id, e.sequence) > (\(checkpoint.0), \(checkpoint.1)))
                    ORDER BY t.updated_at
                    LIMIT \(batchSize)
                    FOR UPDATE OF t SKIP LOCKED
                ), tombstones AS (
                    INSERT INTO archived_tickets (id, owner_id, status) SELECT id, owner_id, status FROM due
                    ON CONFLICT DO NOTHING
                    RETURNING 1
                ), events_gone AS (
                    DELETE FROM events WHERE ticket_id IN (SELECT id FROM due) RETURNING 1
                ), tickets_gone AS (
                    DELETE FROM tickets WHERE id IN (SELECT id FROM due) RETURNING 1
                )
                SELECT (SELECT count(*) FROM tickets_gone)::int8
                """, logger: logger
            ).decode(Int.self).all().first ?? 0
        }
    }
}
