import Logging
import PostgresNIO
import ServiceLifecycle
import SopzRuntime

/// Applies the migrations at start-up, retrying with backoff while the database is
/// unreachable, then opens `ready`; work that needs the schema waits for it.
public struct MigrationService: Service {
    public let ready = Gate()
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func run() async throws {
        var backoff = Backoff(initial: 0.2, maximum: 5)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await Migrations.migrate(client, logger: logger)
                ready.open()
                break
            } catch {
                logger.warning("database not ready for migrations; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(backoff.next()))
            }
        }
        try? await gracefulShutdown()
    }
}
