import Foundation
import Logging
import PostgresNIO
import SopzDomain
import SopzContract
import SopzPorts
import SopzRuntime

/// The administrators the help desk knows, listed (with their current load) for managers. They
/// are registered, and their loads kept, by the dispatcher (`administrator.register`).
public struct AdministratorStore: AdministratorDirectory {
    let reads: BoundedReads

    public init(client: PostgresClient, logger: Logger, timeout: Duration = .seconds(2)) {
        reads = BoundedReads(client: client, logger: logger, timeout: timeout)
    }

    /// One page of administrators ordered by name (then id), after `cursor`.
    public func list(limit: Int, after cursor: ListCursor?) async throws -> Page<Administrator> {
        let (afterName, afterID) = (cursor?.keys.first ?? "", cursor?.keys.last ?? "")
        let rows = try await reads.run { client, logger in
            try await client.query(
                """
                SELECT a.id, a.name, a.available, a.load::int8, a.first_seen_at, a.last_seen_at
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
