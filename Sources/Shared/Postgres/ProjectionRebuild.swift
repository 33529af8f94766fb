import Logging
import PostgresNIO
import SopzRuntime

/// Rebuilds the whole read model from the event history into fresh tables beside the live ones,
/// then switches over: `sopz-projector rebuild`, after a projection changed or to repair one.
///
/// The history is the read database's `event_archive`: every event ever projected, as the event
/// store held it, including those of tickets retention has since taken out of the write database.
/// The ingresses keep reading the live tables and the live projectors keep them up while the
/// fresh ones fill (in the schema `sopz_rebuild`, through a client whose `search_path` names it, so
/// the projection code is the live one). The switch is one transaction under the live
/// projectors' lock: the fresh tables catch up, each event keeps the live-stream position the
/// live model gave it (later ones continue after them, so a client resuming with `Last-Event-ID`
/// neither misses nor repeats an event), and the tables trade places. Reads wait for that
/// transaction, a moment; PostgreSQL re-plans prepared statements against the new tables.
public struct ProjectionRebuild: Sendable {
    /// Where the fresh tables are built.
    public static let schema = "sopz_rebuild"
    /// Where the replaced tables go before they are dropped.
    static let retired = "sopz_retired"

    /// The read database as the ingresses and live projectors use it.
    let readModel: PostgresClient
    /// The same database with `search_path` set to `schema` (`freshConfiguration`).
    let fresh: PostgresClient
    let logger: Logger
    var batchSize = 5_000

    public init(readModel: PostgresClient, fresh: PostgresClient, logger: Logger) {
        self.readModel = readModel
        self.fresh = fresh
        self.logger = logger
    }

    /// A client configuration for `fresh`: unqualified names are the rebuild's tables.
    public static func freshConfiguration(_ database: DatabaseConfiguration) -> PostgresClient.Configuration {
        var configuration = database.clientConfiguration()
        configuration.options.additionalStartupParameters = [("search_path", schema)]
        return configuration
    }

    /// Prepares, builds and switches over; returns the events projected.
    @discardableResult
    public func run() async throws -> Int {
        try await prepare()
        let built = try await build()
        let caughtUp = try await switchOver()
        return built + caughtUp
    }

    /// Drops what an earlier rebuild left and creates the read model's tables, empty, in `schema`.
    public func prepare() async throws {
        try await readModel.withConnection { connection in
            try await connection.perform(
                PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(Self.schema) CASCADE"), logger: logger)
            try await connection.perform(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(Self.schema)"), logger: logger)
        }
        try await Migrations.migrate(fresh, schema: Migrations.readModel, logger: logger)
    }

    /// Projects every archived event into the fresh tables (archiving it there too) and copies the
    /// administrators; returns the events projected.
    @discardableResult
    public func build() async throws -> Int {
        let store = PostgresProjectionStore.rebuild(from: readModel, into: fresh, logger: logger)
        try await store.copyAdministrators()
        var projected = 0
        while true {
            let step = try await store.step(limit: batchSize)
            projected += step.read
            if step.read < batchSize { break }
            if projected % 100_000 < batchSize { logger.info("rebuilding", metadata: ["events": "\(projected)"]) }
        }
        return projected
    }

    /// Catches the fresh tables up and puts them in the live ones' place, in one transaction of
    /// the read database holding the live projectors' lock; returns the events it caught up.
    @discardableResult
    public func switchOver() async throws -> Int {
        try await readModel.withTransaction(logger: logger) { connection in
            try await connection.perform(
                "SELECT pg_advisory_xact_lock(\(PostgresProjectionStore.liveLock))", logger: logger)
            // The live projectors wait now, their archive complete to their checkpoint: the fresh
            // tables take what they have not, and end where the live ones end.
            let caughtUp = try await build()
            let live =
                try await connection.query("SELECT quote_ident(current_schema())", logger: logger)
                .decode(String.self).all().first ?? "public"
            try await keepFeedPositions(live: live, on: connection)
            for statement in [
                "DROP SCHEMA IF EXISTS \(Self.retired) CASCADE", "CREATE SCHEMA \(Self.retired)",
            ] {
                try await connection.perform(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            for table in Migrations.readModelTables {
                try await connection.perform(
                    PostgresQuery(unsafeSQL: "ALTER TABLE \(live).\(table) SET SCHEMA \(Self.retired)"), logger: logger)
                try await connection.perform(
                    PostgresQuery(unsafeSQL: "ALTER TABLE \(Self.schema).\(table) SET SCHEMA \(live)"), logger: logger)
            }
            for statement in ["DROP SCHEMA \(Self.schema)", "DROP SCHEMA \(Self.retired) CASCADE"] {
                try await connection.perform(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.perform("SELECT pg_notify(\(ReadModelStore.projectedChannel), '')", logger: logger)
            logger.info("switched over to the rebuilt read model", metadata: ["caught up": "\(caughtUp)"])
            return caughtUp
        }
    }

    /// Gives every fresh history row the live-stream position its event has in the live model;
    /// events the live model has not got yet follow the highest, in the order they were projected,
    /// and the fresh table numbers on from there.
    private func keepFeedPositions(live: String, on connection: PostgresConnection) async throws {
        let history = "\(Self.schema).ticket_history"
        for statement in [
            "ALTER TABLE \(history) ALTER COLUMN position SET GENERATED BY DEFAULT",
            // Out of the way first: the unique index checks every row as it is updated.
            "UPDATE \(history) SET position = -position",
            """
            UPDATE \(history) AS f SET position = l.position
            FROM \(live).ticket_history AS l WHERE l.event_id = f.event_id
            """,
            """
            UPDATE \(history) AS f SET position = n.position
            FROM (
                SELECT event_id, (SELECT coalesce(max(position), 0) FROM \(live).ticket_history)
                    + row_number() OVER (ORDER BY position DESC) AS position
                FROM \(history) WHERE position < 0
            ) AS n
            WHERE n.event_id = f.event_id
            """,
            "SELECT setval(pg_get_serial_sequence('\(history)', 'position'), greatest(max(position), 1)) FROM \(history)",
            "ALTER TABLE \(history) ALTER COLUMN position SET GENERATED ALWAYS",
        ] {
            try await connection.perform(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
    }
}
