import Logging
import PostgresNIO
import ServiceLifecycle
import SopzRuntime

/// Applies the migrations at start-up, retrying with backoff while the database is
/// unreachable, then opens `ready`; work that needs the schema waits for it.
public struct MigrationService: Service {
    public let ready = Gate()
    let client: PostgresClient
    let schema: Migrations.Schema
    let logger: Logger

    public init(client: PostgresClient, schema: Migrations.Schema = Migrations.writeModel, logger: Logger) {
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    public func run() async throws {
        var backoff = Backoff(initial: 0.2, maximum: 5)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                // Cancelled by SIGTERM: while the database does not answer, the attempt waits in
                // the pool for a connection, and the process must still stop (the migration's
                // transaction rolls back with it).
                _ = try await cancelWhenGracefulShutdown {
                    try await Migrations.migrate(client, schema: schema, logger: logger)
                }
                ready.open()
                break
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                logger.warning(
                    "database not ready for migrations; retrying",
                    metadata: ["schema": "\(schema.name)", "error": "\(error)"])
                let delay = backoff.next()
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(delay)) }
            }
        }
        try? await gracefulShutdown()
    }
}
