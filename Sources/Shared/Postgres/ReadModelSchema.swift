extension Migrations {
    /// Every table the read model's migrations create (a rebuild moves exactly these; a test
    /// keeps the list equal to the migrations).
    public static let readModelTables = [
        "ticket_views", "ticket_messages", "ticket_history", "projection_checkpoints", "administrator_views",
        "event_archive", readModel.table,
    ]

    /// The read model, in its own database (`SOPZ_READ_DATABASE_URL`) or beside the write model:
    /// its table names and its migration record differ from the write model's, so both fit in one
    /// database. Built only by the projector, from the event store; rebuildable from it.
    public static let readModel = Schema(
        name: "read model", table: "read_model_migrations", lockKey: 0x736F_707A_726D,  // "sopzrm"
        migrations: [
            Migration(
                version: 1, name: "tickets, their chat and history as the projector builds them; its checkpoint",
                statements: [
                    """
                    CREATE TABLE ticket_views (
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
                    "CREATE INDEX ticket_views_by_owner ON ticket_views (owner_id, created_at DESC, id)",
                    "CREATE INDEX ticket_views_by_created ON ticket_views (created_at DESC, id)",
                    """
                    CREATE TABLE ticket_messages (
                        id uuid PRIMARY KEY,
                        ticket_id uuid NOT NULL,
                        version integer NOT NULL,
                        author_id text NOT NULL,
                        author_name text NOT NULL,
                        author_role text NOT NULL,
                        body text NOT NULL,
                        posted_at timestamptz NOT NULL,
                        UNIQUE (ticket_id, version)
                    )
                    """,
                    """
                    CREATE TABLE ticket_history (
                        event_id uuid PRIMARY KEY,
                        ticket_id uuid NOT NULL,
                        version integer NOT NULL,
                        type text NOT NULL,
                        actor_id text NOT NULL,
                        occurred_at timestamptz NOT NULL,
                        data jsonb NOT NULL,
                        UNIQUE (ticket_id, version)
                    )
                    """,
                    // Where each projection stands in the event store: the last event it applied,
                    // by (transaction, sequence) — the order `EventsAfter` reads in.
                    """
                    CREATE TABLE projection_checkpoints (
                        name text PRIMARY KEY,
                        transaction_id bigint NOT NULL,
                        sequence bigint NOT NULL,
                        events bigint NOT NULL,
                        last_occurred_at timestamptz,
                        updated_at timestamptz NOT NULL
                    )
                    """,
                ]),
            Migration(
                version: 2, name: "what the API's queries need: search, the queue's orders, a feed position",
                statements: [
                    // The `russian` configuration stems Cyrillic words with the Russian stemmer
                    // and Latin ones with the English stemmer, so one vector serves both.
                    """
                    ALTER TABLE ticket_views ADD COLUMN search tsvector
                        GENERATED ALWAYS AS (to_tsvector('russian', title || ' ' || description)) STORED
                    """,
                    "CREATE INDEX ticket_views_search ON ticket_views USING gin (search)",
                    """
                    ALTER TABLE ticket_messages ADD COLUMN search tsvector
                        GENERATED ALWAYS AS (to_tsvector('russian', body)) STORED
                    """,
                    "CREATE INDEX ticket_messages_search ON ticket_messages USING gin (search)",
                    "CREATE INDEX ticket_views_by_updated ON ticket_views (updated_at DESC, id)",
                    "CREATE INDEX ticket_views_by_assignee ON ticket_views (assignee_id, created_at DESC, id)",
                    "CREATE INDEX ticket_views_by_status ON ticket_views (status, created_at DESC, id)",
                    // The order events were projected in: steps run one at a time (the
                    // projector's lock), so positions are committed in increasing order and a
                    // reader that saw position n has seen everything before it — what the live
                    // stream resumes from.
                    "ALTER TABLE ticket_history ADD COLUMN position bigint GENERATED ALWAYS AS IDENTITY",
                    "CREATE UNIQUE INDEX ticket_history_by_position ON ticket_history (position)",
                ]),
            Migration(
                version: 3, name: "administrators for the directory, what statistics need",
                statements: [
                    // The administrators as the write model knows them (small reference data,
                    // copied as it stands: `PostgresProjectionStore.copyAdministrators`). Their
                    // load is not copied: it is counted from the views, so it always agrees with them.
                    """
                    CREATE TABLE administrator_views (
                        id text PRIMARY KEY,
                        name text NOT NULL,
                        available boolean NOT NULL,
                        first_seen_at timestamptz NOT NULL,
                        last_seen_at timestamptz NOT NULL
                    )
                    """,
                    "CREATE INDEX administrator_views_by_name ON administrator_views (name, id)",
                    """
                    CREATE INDEX ticket_views_in_hand ON ticket_views (assignee_id)
                    WHERE status IN ('assigned', 'in_progress', 'waiting_for_client')
                    """,
                    "CREATE INDEX ticket_history_resolutions ON ticket_history (occurred_at) WHERE type = 'resolved'",
                ]),
            Migration(
                version: 4, name: "the long-term event history: every event projected, archived as stored",
                statements: [
                    // The event store's rows, kept here for good once projected (the write database
                    // may then let long-final tickets go: `WriteRetention`); rebuilds read it.
                    """
                    CREATE TABLE event_archive (
                        transaction_id bigint NOT NULL,
                        sequence bigint NOT NULL,
                        id uuid NOT NULL UNIQUE,
                        ticket_id uuid NOT NULL,
                        version integer NOT NULL,
                        type text NOT NULL,
                        data jsonb NOT NULL,
                        actor_id text NOT NULL,
                        command_id uuid NOT NULL,
                        occurred_at timestamptz NOT NULL,
                        PRIMARY KEY (transaction_id, sequence)
                    )
                    """,
                    // Read the event store once more from the start, so the archive has every event
                    // projected before it existed (views, chat and history leave out what they have).
                    "UPDATE projection_checkpoints SET transaction_id = 0, sequence = 0",
                ]),
        ])
}
