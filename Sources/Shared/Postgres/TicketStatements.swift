import Foundation
import PostgresNIO

// The statements on the hot path, prepared once per connection: planning these CTEs took
// PostgreSQL longer than running them (0.6–0.7 ms against 0.3–0.4 ms per batch).

/// Records the command ids (returning those new to the table) and locks and loads what the batch
/// decides on: the tickets it addresses (and which of them are archived), every administrator
/// (as a JSON column of the first row) and the oldest waiting tickets it could assign (`waiting`:
/// the places free now, those the joining administrators who are not available now bring, and
/// `BacklogBound.freedPlaces`). The caller holds the assignment lock (`PostgresCommandStore`), so
/// no other batch locks any of these meanwhile and the order the rows are locked in cannot
/// deadlock. The outer join yields one row even when no ticket is locked.
struct RecordAndLock: PostgresPreparedStatement {
    static let sql = """
        WITH recorded AS (
            INSERT INTO commands (id, issuer_id, type, ticket_id, status, fingerprint)
            SELECT id, issuer_id, type, NULLIF(ticket_id, '')::uuid, 'done', fingerprint
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
                AS c(id, issuer_id, type, ticket_id, fingerprint)
            ORDER BY id
            ON CONFLICT (id) DO NOTHING RETURNING id
        ), pool AS (
            SELECT id, name, available, load, last_assigned_at, last_seen_at FROM administrators
            ORDER BY id FOR UPDATE
        ), free AS (
            SELECT (coalesce(sum(greatest($6::int4 - load, 0)) FILTER (WHERE available), 0)
                + (SELECT coalesce(sum(greatest($6::int4 - coalesce(p.load, 0), 0)), 0)
                   FROM (SELECT DISTINCT unnest($8::text[]) AS id) AS joining LEFT JOIN pool AS p ON p.id = joining.id
                   WHERE p.available IS NOT TRUE))::int8 AS places
            FROM pool
        ), addressed AS (
            SELECT \(TicketRows.columns()), opened_order FROM tickets
            WHERE id = ANY(SELECT NULLIF(t, '')::uuid FROM unnest($4::text[]) AS t)
            ORDER BY id FOR UPDATE
        ), waiting AS (
            SELECT \(TicketRows.columns()), opened_order FROM tickets
            WHERE status = 'new' AND assignee_id IS NULL
            ORDER BY created_at, opened_order
            LIMIT (SELECT places FROM free) + $7::int8
            FOR UPDATE
        ), archived AS (
            SELECT id FROM archived_tickets WHERE id = ANY(SELECT NULLIF(t, '')::uuid FROM unnest($4::text[]) AS t)
        )
        SELECT (SELECT array_agg(id) FROM recorded) AS recorded, (SELECT array_agg(id) FROM archived) AS archived,
               (SELECT json_agg(json_build_object(
                    'id', id, 'name', name, 'available', available, 'load', load,
                    'lastAssignedAt', round(extract(epoch FROM last_assigned_at) * 1000),
                    'lastSeenAt', round(extract(epoch FROM last_seen_at) * 1000)))::text FROM pool) AS pool,
               t.*
        FROM (SELECT 1) AS one LEFT JOIN (
            SELECT false AS waiting, * FROM addressed UNION ALL SELECT true AS waiting, * FROM waiting
        ) AS t ON true
        """

    let commandIDs: [UUID]
    let issuers: [String]
    let types: [String]
    /// A ticket id per command, '' for a command on no ticket.
    let ticketIDs: [String]
    let fingerprints: [String]
    let capacity: Int
    /// `BacklogBound.freedPlaces`.
    let freedPlaces: Int
    /// `BacklogBound.joiningAdministrators`.
    let joiningAdministrators: [String]

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 8)
        bindings.append(commandIDs)
        bindings.append(issuers)
        bindings.append(types)
        bindings.append(ticketIDs)
        bindings.append(fingerprints)
        bindings.append(Int32(clamping: capacity))
        bindings.append(Int64(freedPlaces))
        bindings.append(joiningAdministrators)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

/// Writes a batch in one statement — tickets and administrators (upserted: their rows are locked
/// already), events, outbox rows, rejections, withdrawn command records — from JSON documents,
/// and counts each.
struct WriteBatch: PostgresPreparedStatement {
    static let sql = """
        WITH ticket_rows AS (
            INSERT INTO tickets (\(TicketRows.writtenColumns))
            SELECT \(TicketRows.jsonFields)
            FROM jsonb_to_recordset($1::jsonb) AS t(\(TicketRows.jsonRecord), position int4)
            ORDER BY position  -- new rows take their opened_order in this order
            ON CONFLICT (id) DO UPDATE SET \(TicketRows.upsertUpdate)
            RETURNING 1
        ), administrator_rows AS (
            INSERT INTO administrators (id, name, available, load, last_assigned_at, last_seen_at)
            SELECT id, name, available, load, "lastAssignedAt", "lastSeenAt"
            FROM jsonb_to_recordset($5::jsonb) AS a(
                id text, name text, available boolean, load int4, "lastAssignedAt" timestamptz,
                "lastSeenAt" timestamptz)
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, available = EXCLUDED.available,
                load = EXCLUDED.load, last_assigned_at = EXCLUDED.last_assigned_at,
                last_seen_at = EXCLUDED.last_seen_at
            RETURNING 1
        ), new_events AS (
            SELECT * FROM jsonb_to_recordset($2::jsonb) AS e(
                position int4, id uuid, "ticketId" uuid, version int4, name text, "routingKey" text,
                "cloudEventType" text, data jsonb, "actorId" text, "commandId" uuid, "occurredAt" timestamptz)
        ), stored_events AS (
            INSERT INTO events (id, ticket_id, version, type, data, actor_id, command_id, occurred_at)
            SELECT id, "ticketId", version, name, data, "actorId", "commandId", "occurredAt"
            FROM new_events ORDER BY position
            RETURNING 1
        ), outbox_rows AS (
            INSERT INTO outbox (event_id, routing_key, type, subject, data, occurred_at, ticket_version)
            SELECT id, "routingKey", "cloudEventType", "ticketId"::text, data, "occurredAt", version
            FROM new_events ORDER BY position
            RETURNING 1
        ), rejected AS (
            UPDATE commands AS c SET status = 'rejected', problem = r.problem
            FROM jsonb_to_recordset($3::jsonb) AS r(id uuid, problem jsonb)
            WHERE c.id = r.id
            RETURNING 1
        ), withdrawn AS (
            DELETE FROM commands WHERE id = ANY($4::uuid[]) RETURNING 1
        )
        SELECT (SELECT count(*) FROM ticket_rows), (SELECT count(*) FROM stored_events),
               (SELECT count(*) FROM outbox_rows), (SELECT count(*) FROM rejected),
               (SELECT count(*) FROM withdrawn), (SELECT count(*) FROM administrator_rows)
        """

    let tickets: String
    let events: String
    let rejections: String
    let withdrawn: [UUID]
    let administrators: String

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 5)
        bindings.append(tickets)
        bindings.append(events)
        bindings.append(rejections)
        bindings.append(withdrawn)
        bindings.append(administrators)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> [Int] {
        let counts = try row.decode((Int, Int, Int, Int, Int, Int).self)
        return [counts.0, counts.1, counts.2, counts.3, counts.4, counts.5]
    }
}

/// The outcomes of finished commands with their tickets as they are now.
struct FinishedCommands: PostgresPreparedStatement {
    static let sql = """
        SELECT c.id AS command_id, c.issuer_id, c.type, c.ticket_id, c.status AS command_status,
               c.problem::text AS problem, c.fingerprint, \(TicketRows.columns(of: "t"))
        FROM commands AS c LEFT JOIN tickets AS t ON t.id = c.ticket_id
        WHERE c.id = ANY($1::uuid[])
        """

    let commandIDs: [UUID]

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(commandIDs)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}
