import Foundation
import Logging
import PostgresNIO
import SopzContract
import SopzDomain
import SopzProcessing

/// The projector's storage: reads the event store (the write database) past the checkpoint and
/// writes the read model and the checkpoint (the read database) in one transaction of the read
/// database.
///
/// Why no event is ever skipped. Sequence numbers are taken when a row is inserted, not when its
/// transaction commits, so reading `sequence > checkpoint` could pass over a row whose
/// transaction was still running and commits later with a smaller number. Instead every event
/// row carries the id of the transaction that wrote it, and a read takes only rows of
/// transactions older than every transaction still running (`pg_snapshot_xmin`): those have all
/// finished, so no row can ever appear among them again. Rows are read in (transaction,
/// sequence) order and the checkpoint is the last one applied; everything before it is done.
/// Per-ticket order holds too: a batch takes the assignment lock before its first write
/// (`PostgresCommandStore`), so transaction ids follow commit order, which follows each ticket's
/// versions (its row is locked) — and `ProjectionPlan` refuses a gap rather than skip one.
///
/// Why replicas never apply one event twice: each step first takes an advisory lock in the read
/// database, so steps run one at a time, each starting from the checkpoint the last committed;
/// and the plan leaves out what a view already has.
public struct PostgresProjectionStore: Sendable {
    /// Which tables a store writes: the live read model the ingresses read, or fresh ones a
    /// rebuild fills beside it (`ProjectionRebuild`; its client's `search_path` names them).
    public enum Target: Sendable {
        case live, rebuild
    }

    let eventStore: PostgresClient
    let readModel: PostgresClient
    let target: Target
    let logger: Logger

    public init(eventStore: PostgresClient, readModel: PostgresClient, target: Target = .live, logger: Logger) {
        self.eventStore = eventStore
        self.readModel = readModel
        self.target = target
        self.logger = logger
    }

    /// The one projection there is so far: tickets, their chat and their history.
    static let name = "tickets"
    /// Arbitrary constants naming the projector's lock (in the read database): the live
    /// projectors take turns on one; a rebuild steps on the other, beside them.
    static let liveLock: Int64 = 0x736F_707A_7072  // "sopzpr"
    static let rebuildLock: Int64 = 0x736F_707A_7262  // "sopzrb"
    var lock: Int64 { target == .live ? Self.liveLock : Self.rebuildLock }

    /// What one step did.
    public struct Step: Sendable, Equatable {
        /// Events read from the event store (fewer than asked: the projection has caught up).
        public let read: Int
        /// Of those, applied now (the others were applied before).
        public let applied: Int
    }

    /// Applies up to `limit` events past the checkpoint, in one read-model transaction.
    public func step(limit: Int) async throws -> Step {
        try await readModel.withTransaction(logger: logger) { read in
            try await read.perform("SELECT pg_advisory_xact_lock(\(lock))", logger: logger)
            let checkpoint =
                try await read.query(
                    "SELECT transaction_id, sequence FROM projection_checkpoints WHERE name = \(Self.name)",
                    logger: logger
                ).decode((Int64, Int64).self).all().first ?? (Int64(0), Int64(0))
            let stored = try await eventStore.execute(
                EventsAfter(transaction: checkpoint.0, sequence: checkpoint.1, limit: limit), logger: logger
            ).all()
            guard let last = stored.last else { return Step(read: 0, applied: 0) }
            let ids = Array(Set(stored.map(\.event.ticketID.rawValue)))
            var views: [TicketID: Ticket] = [:]
            for row in try await read.execute(TicketViews(ids: ids), logger: logger).all() {
                if let ticket = try TicketRows.ticket(from: row) { views[ticket.id] = ticket }
            }
            let plan = try ProjectionPlan(stored.map(\.event), views: views)
            try await write(plan, through: last, count: stored.count, on: read)
            if target == .live, !plan.history.isEmpty {
                // Delivered when the step commits; the ingresses' readers wake up (read-your-writes,
                // the live stream). Steps are serial, so the lock NOTIFY takes costs nothing here.
                try await read.perform("SELECT pg_notify(\(ReadModelStore.projectedChannel), '')", logger: logger)
            }
            return Step(read: stored.count, applied: plan.history.count)
        }
    }

    /// How far the projection is behind the event store.
    public struct Lag: Sendable, Equatable {
        /// Events stored and not yet projected (counted up to `Lag.countLimit`).
        public let events: Int
        /// When the oldest of them happened; nil when none waits.
        public let oldestPendingAt: Date?

        public static let countLimit = 1_000_000
    }

    /// Measures the lag: the checkpoint from the read database, what lies past it in the event store.
    public func lag() async throws -> Lag {
        let checkpoint =
            try await readModel.query(
                "SELECT transaction_id, sequence FROM projection_checkpoints WHERE name = \(Self.name)", logger: logger
            ).decode((Int64, Int64).self).all().first ?? (Int64(0), Int64(0))
        let pending = try await eventStore.query(
            """
            SELECT count(*)::int8, min(occurred_at) FROM (
                SELECT occurred_at FROM events WHERE (transaction_id, sequence) > (\(checkpoint.0), \(checkpoint.1))
                ORDER BY transaction_id, sequence LIMIT \(Lag.countLimit)
            ) AS pending
            """, logger: logger
        ).decode((Int, Date?).self).all().first
        return Lag(events: pending?.0 ?? 0, oldestPendingAt: pending?.1)
    }

    /// Copies the administrators whose name, availability or last sign-in changed into the read
    /// model; returns how many. They are reference data, not event-sourced: a few hundred rows at
    /// most, copied whole as they stand (under the projector's lock, so a replica never writes an
    /// older copy over a newer one). Their load is counted from the views when read.
    @discardableResult
    public func copyAdministrators() async throws -> Int {
        try await readModel.withTransaction(logger: logger) { read in
            try await read.perform("SELECT pg_advisory_xact_lock(\(lock))", logger: logger)
            let rows = try await eventStore.query(
                """
                SELECT coalesce(json_agg(json_build_object(
                    'id', id, 'name', name, 'available', available, 'firstSeenAt', first_seen_at,
                    'lastSeenAt', last_seen_at)), '[]')::text
                FROM administrators
                """, logger: logger
            ).decode(String.self).all()
            let copied = try await read.query(
                """
                WITH copied AS (
                    INSERT INTO administrator_views AS v (id, name, available, first_seen_at, last_seen_at)
                    SELECT id, name, available, "firstSeenAt", "lastSeenAt"
                    FROM jsonb_to_recordset(\(rows.first ?? "[]")::jsonb) AS a(
                        id text, name text, available boolean, "firstSeenAt" timestamptz, "lastSeenAt" timestamptz)
                    ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, available = EXCLUDED.available,
                        first_seen_at = EXCLUDED.first_seen_at, last_seen_at = EXCLUDED.last_seen_at
                    WHERE (v.name, v.available, v.first_seen_at, v.last_seen_at)
                        IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.available, EXCLUDED.first_seen_at, EXCLUDED.last_seen_at)
                    RETURNING 1
                )
                SELECT count(*)::int8 FROM copied
                """, logger: logger
            ).decode(Int.self).all()
            return copied.first ?? 0
        }
    }

    private func write(
        _ plan: ProjectionPlan, through last: StoredEvent, count: Int, on connection: PostgresConnection
    ) async throws {
        let statement = WriteProjection(
            views: try JSONRows.encode(plan.tickets),
            messages: try JSONRows.encode(plan.messages.map { MessageRow(message: $0.message, version: $0.version) }),
            history: try JSONRows.encode(plan.history.map(HistoryRow.init)), name: Self.name,
            transaction: last.transaction, sequence: last.sequence, events: Int64(count),
            lastOccurredAt: last.event.occurredAt)
        let written = try await connection.execute(statement, logger: logger).all().first
        let expected = [plan.tickets.count, plan.messages.count, plan.history.count]
        guard written == expected else {
            throw WriteCountMismatch(expected: expected, written: written)
        }
    }

    private struct MessageRow: Encodable {
        let message: Message
        let version: Int

        private enum CodingKeys: String, CodingKey { case version }

        func encode(to encoder: any Encoder) throws {
            try message.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(version, forKey: .version)
        }
    }

    private struct HistoryRow: Encodable {
        let eventId: UUID
        let ticketId: UUID
        let version: Int
        let type: String
        let actorId: String
        let occurredAt: Date
        let data: EncodedData

        init(_ event: TicketEvent) {
            eventId = event.id
            ticketId = event.ticketID.rawValue
            version = event.version
            type = EventCatalogue.name(of: event.change)
            actorId = event.actorID
            occurredAt = event.occurredAt
            data = EncodedData(payload: EventCatalogue.data(of: event.change))
        }
    }

}

/// An event as the event store holds it, with where it stands in the projector's order.
struct StoredEvent: Sendable {
    let transaction: Int64
    let sequence: Int64
    let event: TicketEvent
}

/// The next events of finished transactions past (transaction, sequence), in that order.
struct EventsAfter: PostgresPreparedStatement {
    static let sql = """
        SELECT transaction_id, sequence, id, ticket_id, version, type, data::text, actor_id, command_id, occurred_at
        FROM events
        WHERE (transaction_id, sequence) > ($1, $2)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
        ORDER BY transaction_id, sequence
        LIMIT $3
        """

    let transaction: Int64
    let sequence: Int64
    let limit: Int

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(transaction)
        bindings.append(sequence)
        bindings.append(Int64(limit))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> StoredEvent {
        let (transaction, sequence, id, ticketID, version, type, data, actor, command, occurredAt) = try row.decode(
            (Int64, Int64, UUID, UUID, Int, String, String, String, UUID, Date).self)
        let change = try EventCatalogue.change(named: type, data: Data(data.utf8))
        return StoredEvent(
            transaction: transaction, sequence: sequence,
            event: TicketEvent(
                id: id, ticketID: TicketID(ticketID), version: version, occurredAt: occurredAt, actorID: actor,
                commandID: CommandID(command), change: change))
    }
}

/// The read model's views of some tickets, as they stand.
struct TicketViews: PostgresPreparedStatement {
    static let sql = "SELECT \(TicketRows.columns(of: "ticket_views")) FROM ticket_views WHERE id = ANY($1::uuid[])"

    let ids: [UUID]

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(ids)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

/// Writes a step: the views (upserted), new chat messages and history, and the checkpoint, in
/// one statement from JSON documents; counts each.
struct WriteProjection: PostgresPreparedStatement {
    static let sql = """
        WITH view_rows AS (
            INSERT INTO ticket_views (\(TicketRows.writtenColumns))
            SELECT \(TicketRows.jsonFields) FROM jsonb_to_recordset($1::jsonb) AS t(\(TicketRows.jsonRecord))
            ON CONFLICT (id) DO UPDATE SET \(TicketRows.upsertUpdate)
            RETURNING 1
        ), message_rows AS (
            INSERT INTO ticket_messages (id, ticket_id, version, author_id, author_name, author_role, body, posted_at)
            SELECT "messageId", "ticketId", version, "authorId", "authorName", "authorRole", body, "postedAt"
            FROM jsonb_to_recordset($2::jsonb) AS m(
                "messageId" uuid, "ticketId" uuid, version int4, "authorId" text, "authorName" text,
                "authorRole" text, body text, "postedAt" timestamptz)
            ON CONFLICT DO NOTHING
            RETURNING 1
        ), history_rows AS (
            INSERT INTO ticket_history (event_id, ticket_id, version, type, actor_id, occurred_at, data)
            SELECT "eventId", "ticketId", version, type, "actorId", "occurredAt", data
            FROM jsonb_to_recordset($3::jsonb) AS h(
                "eventId" uuid, "ticketId" uuid, version int4, type text, "actorId" text,
                "occurredAt" timestamptz, data jsonb)
            ON CONFLICT DO NOTHING
            RETURNING 1
        ), checkpoint AS (
            INSERT INTO projection_checkpoints (name, transaction_id, sequence, events, last_occurred_at, updated_at)
            VALUES ($4, $5, $6, $7, $8, now())
            ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id,
                sequence = EXCLUDED.sequence, events = projection_checkpoints.events + EXCLUDED.events,
                last_occurred_at = EXCLUDED.last_occurred_at, updated_at = now()
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM view_rows), (SELECT count(*) FROM message_rows),
               (SELECT count(*) FROM history_rows), (SELECT count(*) FROM checkpoint)
        """

    let views: String
    let messages: String
    let history: String
    let name: String
    let transaction: Int64
    let sequence: Int64
    let events: Int64
    let lastOccurredAt: Date

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 8)
        bindings.append(views)
        bindings.append(messages)
        bindings.append(history)
        bindings.append(name)
        bindings.append(transaction)
        bindings.append(sequence)
        bindings.append(events)
        bindings.append(lastOccurredAt)
        return bindings
    }

    /// The views, messages and history rows written (the checkpoint is always one).
    func decodeRow(_ row: PostgresRow) throws -> [Int] {
        let counts = try row.decode((Int, Int, Int, Int).self)
        return counts.3 == 1 ? [counts.0, counts.1, counts.2] : []
    }
}
