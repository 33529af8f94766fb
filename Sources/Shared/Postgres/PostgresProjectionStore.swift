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
///
/// Every event a step applies is also copied, as it was stored, into the read database's
/// `event_archive` in the same transaction: the long-term event history. Retention may then take
/// a long-final ticket's events out of the write database (`WriteRetention`), and a rebuild reads
/// the archive, which holds every event up to the checkpoint.
public struct PostgresProjectionStore: Sendable {
    /// What a store builds: the live read model the ingresses read, from the event store; or fresh
    /// tables beside it (`ProjectionRebuild`: its client's `search_path` names them), from the
    /// live read model's archive.
    public enum Target: Sendable {
        case live, rebuild
    }

    /// Where events (and administrators) are read: the write database for the live model, the
    /// live read database for a rebuild.
    let source: PostgresClient
    let readModel: PostgresClient
    let target: Target
    let logger: Logger

    /// The live projection: from the event store into the read model.
    public init(eventStore: PostgresClient, readModel: PostgresClient, logger: Logger) {
        self.init(source: eventStore, readModel: readModel, target: .live, logger: logger)
    }

    /// A rebuild: from the live read model's archive (and its administrators) into `fresh`.
    public static func rebuild(from liveReadModel: PostgresClient, into fresh: PostgresClient, logger: Logger) -> Self {
        Self(source: liveReadModel, readModel: fresh, target: .rebuild, logger: logger)
    }

    private init(source: PostgresClient, readModel: PostgresClient, target: Target, logger: Logger) {
        self.source = source
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

    /// Where the projection stands: the (transaction, sequence) of the last event it applied.
    static var checkpointQuery: PostgresQuery {
        "SELECT transaction_id, sequence FROM projection_checkpoints WHERE name = \(name)"
    }

    /// The checkpoint `checkpointQuery` read; (0, 0) before the first event.
    static func checkpoint(in rows: PostgresRowSequence) async throws -> (Int64, Int64) {
        try await rows.decode((Int64, Int64).self).all().first ?? (0, 0)
    }

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
            let checkpoint = try await Self.checkpoint(in: read.query(Self.checkpointQuery, logger: logger))
            let stored =
                switch target {
                case .live:
                    try await source.execute(
                        EventsAfter(transaction: checkpoint.0, sequence: checkpoint.1, limit: limit), logger: logger
                    ).all()
                case .rebuild:
                    try await source.execute(
                        ArchivedEventsAfter(transaction: checkpoint.0, sequence: checkpoint.1, limit: limit),
                        logger: logger
                    ).all()
                }
            guard !stored.isEmpty else { return Step(read: 0, applied: 0) }
            let ids = Array(Set(stored.map(\.event.ticketID.rawValue)))
            var views: [TicketID: Ticket] = [:]
            for row in try await read.execute(TicketViews(ids: ids), logger: logger).all() {
                if let ticket = try TicketRows.ticket(from: row) { views[ticket.id] = ticket }
            }
            let plan = try ProjectionPlan(stored.map(\.event), views: views)
            try await write(plan, archiving: stored, on: read)
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
        /// Events stored and not yet projected, counted up to `Lag.countLimit`: measuring must
        /// stay cheap when the projection is far behind.
        public let events: Int
        /// When the next of them happened; nil when none waits.
        public let oldestPendingAt: Date?

        public static let countLimit = 10_000
    }

    /// Measures the lag: the checkpoint from the read database, what lies past it in the event
    /// store (reading at most `Lag.countLimit` index entries).
    public func lag() async throws -> Lag {
        let checkpoint = try await Self.checkpoint(in: readModel.query(Self.checkpointQuery, logger: logger))
        let pending = try await source.query(
            """
            SELECT (
                SELECT count(*) FROM (
                    SELECT 1 FROM events WHERE (transaction_id, sequence) > (\(checkpoint.0), \(checkpoint.1))
                    LIMIT \(Lag.countLimit)
                ) AS pending
            )::int8, (
                SELECT occurred_at FROM events WHERE (transaction_id, sequence) > (\(checkpoint.0), \(checkpoint.1))
                ORDER BY transaction_id, sequence LIMIT 1
            )
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
            // The write model's administrators, or the live read model's copy of them.
            let table = target == .live ? "administrators" : "administrator_views"
            let rows = try await source.query(
                """
                SELECT coalesce(json_agg(json_build_object(
                    'id', id, 'name', name, 'available', available, 'firstSeenAt', first_seen_at,
                    'lastSeenAt', last_seen_at)), '[]')::text
                FROM \(unescaped: table)
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

    /// Writes the plan, archives `stored` (all of them: an event read again after a lost
    /// checkpoint is archived already and left as it is, so the archive's count is not checked)
    /// and moves the checkpoint to the last of them.
    private func write(
        _ plan: ProjectionPlan, archiving stored: [StoredEvent], on connection: PostgresConnection
    )
        async throws
    {
        guard let last = stored.last else { return }
        let statement = WriteProjection(
            views: try JSONRows.encode(plan.tickets),
            messages: try JSONRows.encode(plan.messages.map { MessageRow(message: $0.message, version: $0.version) }),
            history: try JSONRows.encode(plan.history.map(HistoryRow.init)),
            archive: try JSONRows.encode(stored.map(ArchiveRow.init)), name: Self.name,
            transaction: last.transaction, sequence: last.sequence, events: Int64(stored.count),
            lastOccurredAt: last.event.occurredAt)
        let written = try await connection.execute(statement, logger: logger).all().first
        let expected = [plan.tickets.count, plan.messages.count, plan.history.count]
        guard written == expected else {
            throw WriteCountMismatch(expected: expected, written: written)
        }
    }

    /// An event as the event store held it: its data passed on as stored, not re-encoded.
    private struct ArchiveRow: Encodable {
        let transactionId: Int64
        let sequence: Int64
        let id: UUID
        let ticketId: UUID
        let version: Int
        let type: String
        let data: String
        let actorId: String
        let commandId: UUID
        let occurredAt: Date

        init(_ stored: StoredEvent) {
            transactionId = stored.transaction
            sequence = stored.sequence
            id = stored.event.id
            ticketId = stored.event.ticketID.rawValue
            version = stored.event.version
            type = EventCatalogue.name(of: stored.event.change)
            data = stored.data
            actorId = stored.event.actorID
            commandId = stored.event.commandID.rawValue
            occurredAt = stored.event.occurredAt
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

/// An event as the event store holds it, with where it stands in the projector's order and its
/// data as stored.
struct StoredEvent: Sendable {
    let transaction: Int64
    let sequence: Int64
    let event: TicketEvent
    let data: String

    /// A row of `events` or `event_archive` (same columns, same order).
    init(_ row: PostgresRow) throws {
        let (transaction, sequence, id, ticketID, version, type, data, actor, command, occurredAt) = try row.decode(
            (Int64, Int64, UUID, UUID, Int, String, String, String, UUID, Date).self)
        self.transaction = transaction
        self.sequence = sequence
        self.data = data
        event = TicketEvent(
            id: id, ticketID: TicketID(ticketID), version: version, occurredAt: occurredAt, actorID: actor,
            commandID: CommandID(command), change: try EventCatalogue.change(named: type, data: Data(data.utf8)))
    }

    static let columns =
        "transaction_id, sequence, id, ticket_id, version, type, data::text, actor_id, command_id, occurred_at"
}

/// The next events of finished transactions past (transaction, sequence), in that order.
struct EventsAfter: PostgresPreparedStatement {
    static let sql = """
        SELECT \(StoredEvent.columns) FROM events
        WHERE (transaction_id, sequence) > ($1, $2)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
        ORDER BY transaction_id, sequence
        LIMIT $3
        """

    let transaction: Int64
    let sequence: Int64
    let limit: Int

    func makeBindings() -> PostgresBindings { EventsAfter.bindings(transaction, sequence, limit) }

    func decodeRow(_ row: PostgresRow) throws -> StoredEvent { try StoredEvent(row) }

    static func bindings(_ transaction: Int64, _ sequence: Int64, _ limit: Int) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(transaction)
        bindings.append(sequence)
        bindings.append(Int64(limit))
        return bindings
    }
}

/// The next archived events past (transaction, sequence), in that order: what a rebuild reads.
/// (Every archived event's transaction has finished: it was archived by a committed step.)
struct ArchivedEventsAfter: PostgresPreparedStatement {
    static let sql = """
        SELECT \(StoredEvent.columns) FROM event_archive
        WHERE (transaction_id, sequence) > ($1, $2)
        ORDER BY transaction_id, sequence
        LIMIT $3
        """

    let transaction: Int64
    let sequence: Int64
    let limit: Int

    func makeBindings() -> PostgresBindings { EventsAfter.bindings(transaction, sequence, limit) }

    func decodeRow(_ row: PostgresRow) throws -> StoredEvent { try StoredEvent(row) }
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

/// Writes a step: the views (upserted), new chat messages and history, the archived events and
/// the checkpoint, in one statement from JSON documents; counts each.
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
        ), archive_rows AS (
            INSERT INTO event_archive (
                transaction_id, sequence, id, ticket_id, version, type, data, actor_id, command_id, occurred_at)
            SELECT "transactionId", sequence, id, "ticketId", version, type, data::jsonb, "actorId", "commandId",
                "occurredAt"
            FROM jsonb_to_recordset($9::jsonb) AS e(
                "transactionId" int8, sequence int8, id uuid, "ticketId" uuid, version int4, type text, data text,
                "actorId" text, "commandId" uuid, "occurredAt" timestamptz)
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
               (SELECT count(*) FROM history_rows), (SELECT count(*) FROM checkpoint),
               (SELECT count(*) FROM archive_rows)
        """

    let views: String
    let messages: String
    let history: String
    let archive: String
    let name: String
    let transaction: Int64
    let sequence: Int64
    let events: Int64
    let lastOccurredAt: Date

    func makeBindings() -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 9)
        bindings.append(views)
        bindings.append(messages)
        bindings.append(history)
        bindings.append(name)
        bindings.append(transaction)
        bindings.append(sequence)
        bindings.append(events)
        bindings.append(lastOccurredAt)
        bindings.append(archive)
        return bindings
    }

    /// The views, messages and history rows written (the checkpoint is always one).
    func decodeRow(_ row: PostgresRow) throws -> [Int] {
        let counts = try row.decode((Int, Int, Int, Int, Int).self)
        return counts.3 == 1 ? [counts.0, counts.1, counts.2] : []
    }
}
