import Foundation
import PostgresNIO
import SopzContract
import SopzDomain

extension ReadModelStore {
    /// One page of administrators ordered by name (then id), after `cursor`; each one's load is
    /// counted from the views (`ticket_views_in_hand`), so it agrees with the ticket lists.
    public func administrators(limit: Int, after cursor: ListCursor?) async throws -> Page<Administrator> {
        let (afterName, afterID) = (cursor?.keys.first ?? "", cursor?.keys.last ?? "")
        let rows = try await reads.run { client, logger in
            try await client.query(
                """
                SELECT a.id, a.name, a.available, (
                        SELECT count(*) FROM ticket_views v
                        WHERE v.assignee_id = a.id AND \(unescaped: ReadModelSQL.inHand("v"))
                    )::int8, a.first_seen_at, a.last_seen_at
                FROM administrator_views a
                WHERE \(cursor == nil) OR (a.name, a.id) > (\(afterName), \(afterID))
                ORDER BY a.name, a.id
                LIMIT \(limit + 1)
                """, logger: logger
            ).collect()
        }
        var items: [Administrator] = []
        for row in rows.prefix(limit) {
            let (id, name, available, load, first, last) = try row.decode((String, String, Bool, Int, Date, Date).self)
            items.append(
                Administrator(
                    id: id, name: name, available: available, load: load, firstSeenAt: first, lastSeenAt: last))
        }
        let next = rows.count > limit ? items.last.map { ListCursor(keys: [$0.name, $0.id]).text } : nil
        return Page(items: items, nextCursor: next)
    }
}

/// SQL fragments the read model's queries share.
enum ReadModelSQL {
    /// The views of tickets in an administrator's hands (`TicketStatus.inHand`), spelt as the
    /// partial index `ticket_views_in_hand` is, so the planner uses it.
    static func inHand(_ alias: String) -> String {
        let statuses = TicketStatus.inHand.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ")
        return "\(alias).status IN (\(statuses))"
    }
}
