import Logging
import PostgresNIO

/// The versioned schema. Append new versions; never edit one that has shipped.
///
/// `migrate` runs at every start-up of every process. All of it happens in one transaction
/// holding a transaction-scoped advisory lock, so when several replicas start together one
/// applies the missing versions and the others wait, then find nothing left to do.
public enum Migrations {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let statements: [String]
    }

    public static let all: [Migration] = [
        Migration(
            version: 1, name: "tickets, commands, event store, outbox",
            statements: [
                """
                CREATE TABLE tickets (
                    id uuid PRIMARY KEY,
                    owner_id text NOT NULL,
                    owner_name text NOT NULL,
                    title text NOT NULL,
                    description text NOT NULL,
                    category text,
                    refund jsonb,
                    status text NOT NULL,
                    assignee_id text,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    version integer NOT NULL
                )
                """,
                "CREATE INDEX tickets_by_owner ON tickets (owner_id, created_at DESC)",
                """
                CREATE TABLE commands (
                    id uuid PRIMARY KEY,
                    issuer_id text NOT NULL,
                    type text NOT NULL,
                    ticket_id uuid,
                    status text NOT NULL CHECK (status IN ('done', 'rejected')),
                    problem jsonb,
                    finished_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE events (
                    sequence bigserial PRIMARY KEY,
                    id uuid NOT NULL UNIQUE,
                    ticket_id uuid NOT NULL,
                    version integer NOT NULL,
                    type text NOT NULL,
                    data jsonb NOT NULL,
                    actor_id text NOT NULL,
                    command_id uuid NOT NULL,
                    occurred_at timestamptz NOT NULL,
                    UNIQUE (ticket_id, version)
                )
                """,
                """
                CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the event store is append-only'; END $$
                """,
                """
                CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
                FOR EACH ROW EXECUTE FUNCTION events_are_append_only()
                """,
                """
                CREATE TABLE outbox (
                    id bigserial PRIMARY KEY,
                    event_id uuid NOT NULL,
                    routing_key text NOT NULL,
                    type text NOT NULL,
                    subject text NOT NULL,
                    data jsonb NOT NULL,
                    occurred_at timestamptz NOT NULL
                )
                """,
            ]),
        Migration(
            version: 2, name: "administrators known from sign-in",
            statements: [
                """
                CREATE TABLE administrators (
                    id text PRIMARY KEY,
                    name text NOT NULL,
                    available boolean NOT NULL DEFAULT true,
                    first_seen_at timestamptz NOT NULL DEFAULT now(),
                    last_seen_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX administrators_by_name ON administrators (name, id)",
                "CREATE INDEX tickets_by_assignee ON tickets (assignee_id, status) WHERE assignee_id IS NOT NULL",
            ]),
        Migration(
            version: 3, name: "what each command asked for, to tell a retry from a reused Idempotency-Key",
            statements: ["ALTER TABLE commands ADD COLUMN fingerprint text"]),
        Migration(
            version: 4, name: "assignment by workload: loads kept with the administrators, the backlog indexed",
            statements: [
                "ALTER TABLE administrators ADD COLUMN load integer NOT NULL DEFAULT 0",
                "ALTER TABLE administrators ADD COLUMN last_assigned_at timestamptz",
                """
                UPDATE administrators AS a SET load = (
                    SELECT count(*) FROM tickets AS t
                    WHERE t.assignee_id = a.id AND t.status IN ('assigned', 'in_progress', 'waiting_for_client'))
                """,
                // The order tickets were opened in, to the row: the backlog's order (created_at
                // alone ties within a batch).
                "ALTER TABLE tickets ADD COLUMN opened_order bigint GENERATED ALWAYS AS IDENTITY",
                """
                CREATE INDEX tickets_backlog ON tickets (created_at, opened_order)
                WHERE status = 'new' AND assignee_id IS NULL
                """,
            ]),
        Migration(
            version: 5, name: "the event store records each event's transaction, for the projector",
            statements: [
                // The id of the transaction that wrote the row: rows of transactions older than
                // every one still running can no longer appear (`EventsAfter`).
                """
                ALTER TABLE events ADD COLUMN transaction_id bigint NOT NULL
                    DEFAULT (pg_current_xact_id()::text::bigint)
                """,
                "CREATE INDEX events_by_transaction ON events (transaction_id, sequence)",
            ]),
        Migration(
            version: 6, name: "outbox rows carry their ticket's version, for consumers to order by",
            statements: ["ALTER TABLE outbox ADD COLUMN ticket_version integer"]),
        Migration(
            version: 7, name: "retention: long-final tickets leave the write model, a tombstone stays",
            statements: [
                // What stays of an archived ticket: enough to refuse a command on it clearly, to
                // whom it may be said, and never to take its id again (`WriteRetention`).
                """
                CREATE TABLE archived_tickets (
                    id uuid PRIMARY KEY,
                    owner_id text NOT NULL,
                    status text NOT NULL,
                    archived_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX tickets_final ON tickets (updated_at) WHERE status IN ('closed', 'cancelled')",
                // Only retention deletes events, and only ones the read database has archived.
                """
                CREATE OR REPLACE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE' AND current_setting('sopz.retention', true) = 'on' THEN RETURN OLD; END IF;
                    RAISE EXCEPTION 'the event store is append-only';
                END $$
                """,
            ]),
        Migration(
            version: 8, name: "webhook subscriptions, each kept as its JSON document",
            statements: [
                """
                CREATE TABLE webhook_subscriptions (
                    id uuid PRIMARY KEY,
                    status text NOT NULL,
                    created_at timestamptz NOT NULL,
                    document jsonb NOT NULL
                )
                """,
                "CREATE INDEX webhook_subscriptions_listed ON webhook_subscriptions (created_at, id) WHERE status <> 'deleted'",
            ]),
        Migration(
            version: 9, name: "webhook secrets derive from the command that made them",
            statements: [
                // Subscriptions from version 8 (before any delivery existed) name no such command:
                // they take their own id, so their secret changed — rotating shows the new one.
                """
                UPDATE webhook_subscriptions SET document = document || jsonb_build_object('secretMadeBy', id::text)
                WHERE NOT document ? 'secretMadeBy'
                """
            ]),
        Migration(
            version: 10, name: "webhook deliveries: the events they carry, each delivery and its attempts",
            statements: [
                """
                CREATE TABLE webhook_messages (
                    event_id uuid PRIMARY KEY,
                    type text NOT NULL,
                    subject text NOT NULL,
                    data jsonb NOT NULL,
                    occurred_at timestamptz NOT NULL,
                    ticket_version integer
                )
                """,
                """
                CREATE TABLE webhook_deliveries (
                    id bigserial PRIMARY KEY,
                    webhook_id uuid NOT NULL,
                    event_id uuid NOT NULL REFERENCES webhook_messages (event_id),
                    state text NOT NULL,
                    attempts integer NOT NULL DEFAULT 0,
                    next_attempt_at timestamptz NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    finished_at timestamptz,
                    UNIQUE (webhook_id, event_id)
                )
                """,
                "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending'",
                "CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id DESC)",
                // What the log's retention looks for: finished deliveries by age, and an event's deliveries.
                "CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished_at) WHERE state <> 'pending'",
                "CREATE INDEX webhook_deliveries_of_event ON webhook_deliveries (event_id)",
                """
                CREATE TABLE webhook_attempts (
                    id bigserial PRIMARY KEY,
                    delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
                    attempt integer NOT NULL,
                    attempted_at timestamptz NOT NULL,
                    status integer,
                    latency_ms integer NOT NULL,
                    error text
                )
                """,
                "CREATE INDEX webhook_attempts_of ON webhook_attempts (delivery_id, id)",
            ]),
        Migration(
            version: 11, name: "sagas, and outbox rows bound for other exchanges than sopz.events",
            statements: [
                """
                CREATE TABLE sagas (
                    id uuid PRIMARY KEY,
                    ticket_id uuid NOT NULL,
                    status text NOT NULL,
                    deadline timestamptz,
                    started_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    document jsonb NOT NULL
                )
                """,
                "CREATE INDEX sagas_of_ticket ON sagas (ticket_id, started_at DESC)",
                "CREATE INDEX sagas_due ON sagas (deadline) WHERE status IN ('running', 'compensating')",
                "CREATE INDEX sagas_listed ON sagas (updated_at DESC, id DESC)",
                "ALTER TABLE outbox ADD COLUMN exchange text NOT NULL DEFAULT 'sopz.events'",
            ]),
    ]

    /// One database's versioned schema and the table that records which versions it has.
    public struct Schema: Sendable {
        public let name: String
        let table: String
        /// An arbitrary constant naming the schema's migration lock.
        let lockKey: Int64
        public let migrations: [Migration]
    }

    /// The write model: tickets, the command log, the event store, the outbox, administrators.
    public static let writeModel = Schema(
        name: "write model", table: "schema_migrations", lockKey: 0x736F_707A, migrations: all)  // "sopz"

    /// Applies every missing version of `schema`; returns the versions it applied.
    @discardableResult
    public static func migrate(
        _ client: PostgresClient, schema: Schema = writeModel, logger: Logger
    ) async throws -> [Int] {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.perform("SELECT pg_advisory_xact_lock(\(schema.lockKey))", logger: logger)
            try await connection.perform(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE TABLE IF NOT EXISTS \(schema.table) (
                            version integer PRIMARY KEY, name text NOT NULL,
                            applied_at timestamptz NOT NULL DEFAULT now())
                        """), logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT version FROM \(schema.table)"), logger: logger
            ).decode(Int.self) {
                applied.insert(version)
            }
            var done: [Int] = []
            for migration in schema.migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.perform(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                var record = PostgresQuery(unsafeSQL: "INSERT INTO \(schema.table) (version, name) VALUES ($1, $2)")
                record.binds.append(migration.version)
                record.binds.append(migration.name)
                try await connection.perform(record, logger: logger)
                logger.info(
                    "applied database migration",
                    metadata: ["schema": "\(schema.name)", "version": "\(migration.version)"])
                done.append(migration.version)
            }
            return done
        }
    }
}
