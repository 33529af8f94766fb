import Foundation
import Logging
import PostgresNIO
import SopzDomain

/// What became of a command, as recorded in the `commands` table.
public struct CommandRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case done, rejected }

    public let commandID: CommandID
    public let issuerID: String
    public let type: String
    public let ticketID: TicketID?
    public let status: Status
    public let rejection: TicketRejection?
}

/// The result of applying one command in one transaction.
public enum ApplyOutcome: Sendable, Equatable {
    case applied(Ticket)
    /// Seen before (redelivery or a repeated Idempotency-Key): nothing changed.
    case duplicate
    case rejected(TicketRejection)
    /// Nothing committed; try the command again later.
    case retryLater(reason: String)
}

/// The write model in PostgreSQL: tickets, the command log, the event store and the outbox.
public struct TicketStore: Sendable {
    /// Channel notified (payload: comma-separated command ids) when commands are done or rejected.
    public static let commandsChannel = "sopz_commands"
    /// Channel notified when outbox rows are waiting.
    public static let outboxChannel = "sopz_outbox"

    let client: PostgresClient
    let logger: Logger
    /// Reads give up after this long (the pool would otherwise wait for a database that is
    /// down); callers answer 503 instead of hanging.
    let readTimeout: Duration

    public init(client: PostgresClient, logger: Logger, readTimeout: Duration = .seconds(2)) {
        self.client = client
        self.logger = logger
        self.readTimeout = readTimeout
    }

    /// Applies `envelope` in one transaction: record the command id (a duplicate stops here),
    /// lock and load the ticket, decide, then write state, events, outbox rows and the outcome.
    public func apply(
        _ envelope: CommandEnvelope, now: Date = Date(),
        decide: @Sendable (CommandEnvelope, Ticket?, Date) -> TicketDecision = TicketRules.decide
    ) async throws -> ApplyOutcome {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await apply(envelope, now: now, decide: decide, on: connection)
            }
        } catch let retry as RetryLater {
            return .retryLater(reason: retry.reason)
        }
    }

    /// Applies several commands in one transaction — one BEGIN and one COMMIT (one WAL flush)
    /// for all of them — in order, so later commands see earlier ones. A command that must be
    /// retried later has its record removed again; the others stand. Any error fails the whole
    /// batch and nothing is committed: the caller then applies the commands one by one.
    public func apply(
        batch envelopes: [CommandEnvelope], now: Date = Date(),
        decide: @Sendable (CommandEnvelope, Ticket?, Date) -> TicketDecision = TicketRules.decide
    ) async throws -> [ApplyOutcome] {
        try await client.withTransaction(logger: logger) { connection in
            var outcomes: [ApplyOutcome] = []
            for envelope in envelopes {
                do {
                    outcomes.append(try await apply(envelope, now: now, decide: decide, on: connection))
                } catch let retry as RetryLater {
                    try await connection.perform(
                        "DELETE FROM commands WHERE id = \(envelope.commandID.rawValue)", logger: logger)
                    outcomes.append(.retryLater(reason: retry.reason))
                }
            }
            return outcomes
        }
    }

    private struct RetryLater: Error { let reason: String }

    private func apply(
        _ envelope: CommandEnvelope, now: Date, decide: (CommandEnvelope, Ticket?, Date) -> TicketDecision,
        on connection: PostgresConnection
    ) async throws -> ApplyOutcome {
        let commandID = envelope.commandID.rawValue
        let ticketID = envelope.ticketID.rawValue
        // One round trip records the command id (a duplicate stops here) and locks and loads
        // the ticket. The lateral join yields one row even when there is no ticket yet.
        let rows = try await connection.query(
            """
            WITH recorded AS (
                INSERT INTO commands (id, issuer_id, type, ticket_id, status)
                VALUES (\(commandID), \(envelope.issuer.id), \(envelope.command.type), \(ticketID), 'done')
                ON CONFLICT (id) DO NOTHING RETURNING id
            )
            SELECT (SELECT count(*) FROM recorded)::int8 AS recorded, t.*
            FROM (SELECT 1) AS one
            LEFT JOIN LATERAL (
                SELECT \(unescaped: Self.ticketColumns) FROM tickets WHERE id = \(ticketID) FOR UPDATE
            ) AS t ON true
            """, logger: logger
        ).collect()
        guard let row = rows.first, try PostgresRandomAccessRow(row)["recorded"].decode(Int.self) > 0 else {
            return .duplicate
        }
        let current = try Self.ticket(from: row)

        switch decide(envelope, current, now) {
        case .retryLater(let reason):
            throw RetryLater(reason: reason)
        case .reject(let rejection):
            let problem = String(decoding: try JSONCoding.encoder().encode(rejection), as: UTF8.self)
            try await connection.perform(
                "UPDATE commands SET status = 'rejected', problem = \(problem)::jsonb WHERE id = \(commandID)",
                logger: logger)
            return .rejected(rejection)
        case .accept(let events, let ticket):
            try await write(ticket, events: events, on: connection)
            return .applied(ticket)
        }
    }

    /// Writes the ticket (the row is locked already, so an upsert is safe), its events and their
    /// outbox rows in one statement: one round trip, not one per row. (No NOTIFY in here: see
    /// `CommitNotifications`.) `perform` reads the result, so a failed write cannot pass for a
    /// committed one.
    private func write(
        _ ticket: Ticket, events: [TicketEvent], on connection: PostgresConnection
    ) async throws {
        let encoder = JSONCoding.encoder()
        let refund = try ticket.refund.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let data = try events.map { String(decoding: try encoder.encode($0.change.payload), as: UTF8.self) }
        let ids = events.map(\.id)
        let ticketIDs = events.map { $0.ticketID.rawValue }
        let versions = events.map(\.version)
        let names = events.map(\.name)
        let actors = events.map(\.actorID)
        let commandIDs = events.map { $0.commandID.rawValue }
        let times = events.map(\.occurredAt)
        try await connection.perform(
            """
            WITH ticket_write AS (
                INSERT INTO tickets (id, owner_id, owner_name, title, description, category, refund, status,
                                     assignee_id, created_at, updated_at, version)
                VALUES (\(ticket.id.rawValue), \(ticket.ownerID), \(ticket.ownerName), \(ticket.title),
                        \(ticket.description), \(ticket.category), \(refund)::jsonb, \(ticket.status.rawValue),
                        \(ticket.assigneeID), \(ticket.createdAt), \(ticket.updatedAt), \(ticket.version))
                ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description,
                    category = EXCLUDED.category, refund = EXCLUDED.refund, status = EXCLUDED.status,
                    assignee_id = EXCLUDED.assignee_id, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
            ), new_events AS (
                SELECT * FROM unnest(\(ids)::uuid[], \(ticketIDs)::uuid[], \(versions)::int4[], \(names)::text[],
                                     \(data)::text[], \(actors)::text[], \(commandIDs)::uuid[], \(times)::timestamptz[])
                    AS e(id, ticket_id, version, name, data, actor_id, command_id, occurred_at)
            ), stored_events AS (
                INSERT INTO events (id, ticket_id, version, type, data, actor_id, command_id, occurred_at)
                SELECT id, ticket_id, version, name, data::jsonb, actor_id, command_id, occurred_at FROM new_events
            ), outbox_rows AS (
                INSERT INTO outbox (event_id, routing_key, type, subject, data, occurred_at)
                SELECT id, 'ticket.' || name, 'sopz.ticket.' || name || '.v1', ticket_id::text, data::jsonb,
                       occurred_at
                FROM new_events
            )
            SELECT count(*) FROM new_events
            """, logger: logger)
    }

    // MARK: Reads

    public func ticket(_ id: TicketID) async throws -> Ticket? {
        try await withDeadline(readTimeout) { [client, logger] in
            try await client.query(
                "SELECT \(unescaped: Self.ticketColumns) FROM tickets WHERE id = \(id.rawValue)", logger: logger
            ).collect().first.flatMap(Self.ticket(from:))
        }
    }

    public func command(_ id: CommandID) async throws -> CommandRecord? {
        let rows = try await withDeadline(readTimeout) { [client, logger] in
            try await client.query(
                "SELECT issuer_id, type, ticket_id, status, problem::text FROM commands WHERE id = \(id.rawValue)",
                logger: logger
            ).collect()
        }
        guard let row = rows.first else { return nil }
        let (issuer, type, ticketID, status, problem) = try row.decode((String, String, UUID?, String, String?).self)
        return CommandRecord(
            commandID: id, issuerID: issuer, type: type, ticketID: ticketID.map(TicketID.init),
            status: CommandRecord.Status(rawValue: status) ?? .rejected,
            rejection: try problem.map { try JSONCoding.decoder().decode(TicketRejection.self, from: Data($0.utf8)) })
    }

    static let ticketColumns = """
        id, owner_id, owner_name, title, description, category, refund::text, status, assignee_id, \
        created_at, updated_at, version
        """

    /// The ticket in `row`'s ticket columns (read by name, so the same code serves the plain read
    /// and the record-and-lock statement); nil when they are NULL: no such ticket yet.
    static func ticket(from row: PostgresRow) throws -> Ticket? {
        let columns = PostgresRandomAccessRow(row)
        guard let id = try columns["id"].decode(UUID?.self) else { return nil }
        let refund = try columns["refund"].decode(String?.self)
        return Ticket(
            id: TicketID(id), ownerID: try columns["owner_id"].decode(String.self),
            ownerName: try columns["owner_name"].decode(String.self), title: try columns["title"].decode(String.self),
            description: try columns["description"].decode(String.self),
            category: try columns["category"].decode(String?.self),
            refund: try refund.map { try JSONCoding.decoder().decode(RefundRequest.self, from: Data($0.utf8)) },
            status: TicketStatus(rawValue: try columns["status"].decode(String.self)) ?? .new,
            assigneeID: try columns["assignee_id"].decode(String?.self),
            createdAt: try columns["created_at"].decode(Date.self),
            updatedAt: try columns["updated_at"].decode(Date.self), version: try columns["version"].decode(Int.self))
    }
}
