import Foundation
import PostgresNIO
import SopzDomain
import SopzPorts

extension ReadModelStore {
    /// The figures of `GET /stats`, read in one repeatable-read transaction so they agree with
    /// each other (the counts by status and the backlog describe the same moment).
    public func statistics(_ period: StatisticsPeriod) async throws -> Statistics {
        try await reads.run { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.perform(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
                var byStatus: [TicketStatus: Int] = [:]
                for try await (status, count) in try await connection.query(
                    "SELECT status, count(*)::int8 FROM ticket_views GROUP BY status", logger: logger
                ).decode((String, Int).self) {
                    if let status = TicketStatus(rawValue: status) { byStatus[status] = count }
                }
                let backlog = try await connection.query(
                    "SELECT count(*)::int8, min(created_at) FROM ticket_views WHERE status = 'new' AND assignee_id IS NULL",
                    logger: logger
                ).decode((Int, Date?).self).all().first
                let loads = try await connection.query(
                    """
                    SELECT coalesce(a.id, l.assignee_id), coalesce(a.name, l.assignee_id), coalesce(a.available, false),
                        coalesce(l.load, 0)::int8 AS load
                    FROM administrator_views a FULL JOIN (
                        SELECT assignee_id, count(*) AS load FROM ticket_views v
                        WHERE assignee_id IS NOT NULL AND \(unescaped: ReadModelSQL.inHand("v"))
                        GROUP BY assignee_id
                    ) l ON l.assignee_id = a.id
                    ORDER BY load DESC, 2, 1
                    """, logger: logger
                ).decode((String, String, Bool, Int).self).all()
                let resolution = try await connection.query(
                    """
                    SELECT count(*)::int8, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds),
                        percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds)
                    FROM (
                        SELECT extract(epoch FROM h.occurred_at - v.created_at)::float8 AS seconds
                        FROM ticket_history h JOIN ticket_views v ON v.id = h.ticket_id
                        WHERE h.type = 'resolved' AND h.occurred_at >= \(period.from)
                    ) AS r
                    """, logger: logger
                ).decode((Int, Double?, Double?).self).all().first
                let days = try await connection.query(
                    """
                    WITH days AS (
                        SELECT (\(StatisticsPeriod.name(of: period.from))::date + i) AS day
                        FROM generate_series(0, \(Int32(period.days - 1))) AS i
                    ), created AS (
                        SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM ticket_views
                        WHERE created_at >= \(period.from) GROUP BY 1
                    ), resolved AS (
                        SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM ticket_history
                        WHERE type = 'resolved' AND occurred_at >= \(period.from) GROUP BY 1
                    )
                    SELECT to_char(d.day, 'YYYY-MM-DD'), coalesce(c.n, 0)::int8, coalesce(r.n, 0)::int8
                    FROM days d LEFT JOIN created c ON c.day = d.day LEFT JOIN resolved r ON r.day = d.day
                    ORDER BY d.day
                    """, logger: logger
                ).decode((String, Int, Int).self).all()
                return Statistics(
                    byStatus: byStatus,
                    backlog: .init(size: backlog?.0 ?? 0, oldestCreatedAt: backlog?.1, now: period.now),
                    administrators: loads.map { .init(administratorId: $0.0, name: $0.1, available: $0.2, load: $0.3) },
                    resolution: .init(
                        resolved: resolution?.0 ?? 0, p50Seconds: resolution?.1, p90Seconds: resolution?.2),
                    perDay: days.map { .init(day: $0.0, created: $0.1, resolved: $0.2) }, period: period)
            }
        }
    }
}
