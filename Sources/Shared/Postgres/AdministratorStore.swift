import Foundation
import Logging
import PostgresNIO
import SopzDomain
import SopzContract
import SopzPorts
import SopzRuntime

/// The administrators the help desk knows: registered on their first signed-in request,
/// listed (with their current load) for managers.
public struct AdministratorStore: AdministratorDirectory {
    let client: PostgresClient
    let logger: Logger
    /// Like `TicketStore.readTimeout`: give up instead of waiting for a database that is down.
    let timeout: Duration

    public init(client: PostgresClient, logger: Logger, timeout: Duration = .seconds(2)) {
        self.client = client
        self.logger = logger
        self.timeout = timeout
    }

    /// Records `user` as an administrator, or refreshes their name and last sign-in.
    /// Their availability is theirs to change and is left as it is.
    public func register(_ user: User) async throws {
        try await withDeadline(timeout) { [client, logger] in
            try await client.perform(
                """
                INSERT INTO administrators (id, name) VALUES (\(user.id), \(user.name))
                ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, last_seen_at = now()
                """, logger: logger)
        }
    }

    /// One page of administrators ordered by name (then id), after `cursor`.
    public func list(limit: Int, after cursor: ListCursor?) async throws -> Page<Administrator> {
        let inHand = TicketStatus.inHand.map(\.rawValue).sorted()
        let (afterName, afterID) = (cursor?.keys.first ?? "", cursor?.keys.last ?? "")
        let rows = try await withDeadline(timeout) { [client, logger] in
            try await client.query(
                """
                SELECT a.id, a.name, a.available,
                       (SELECT count(*) FROM tickets t
                        WHERE t.assignee_id = a.id AND t.status = ANY(\(inHand)::text[]))::int8,
                       a.first_seen_at, a.last_seen_at
                FROM administrators a
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
