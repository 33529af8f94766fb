import Foundation
import PostgresNIO
@testable import SopzPostgres
import SopzRuntime
import SopzTestSupport
import Testing

extension Integration {
    /// Several processes starting together migrate the schema exactly once: each migration is
    /// applied by one of them, the others find it done.
    @Suite struct MigrationTests {
        @Test(.timeLimit(.minutes(1))) func processesStartingTogetherApplyEachMigrationOnce() async throws {
            let settings = try TestEnvironment.settings()
            let logger = TestEnvironment.logger("test.migrations")
            // A schema of its own stands in for a fresh database (search_path puts the tables there).
            let schema = "migrations_\(UUID().uuidString.prefix(8).lowercased())"
            let admin = PostgresClient(configuration: settings.database.clientConfiguration(), backgroundLogger: logger)
            let starters = (0..<4).map { _ in
                var configuration = settings.database.clientConfiguration()
                configuration.options.additionalStartupParameters = [("search_path", schema)]
                return PostgresClient(configuration: configuration, backgroundLogger: logger)
            }
            let applied = Locked<[[Int]]>([])
            try await withServices([admin] + starters, logger: logger) {
                try await admin.perform(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"), logger: logger)
                do {
                    try await withThrowingTaskGroup(of: [Int].self) { group in
                        for client in starters {
                            group.addTask { try await Migrations.migrate(client, logger: logger) }
                        }
                        for try await versions in group { applied.set(applied.value + [versions]) }
                    }
                    let rows = try await admin.query(
                        PostgresQuery(unsafeSQL: "SELECT version FROM \(schema).schema_migrations ORDER BY version"),
                        logger: logger
                    ).collect().map { try $0.decode(Int.self) }
                    #expect(rows == Migrations.all.map(\.version))
                    #expect(applied.value.flatMap { $0 }.sorted() == Migrations.all.map(\.version))
                    #expect(applied.value.filter { !$0.isEmpty }.count == 1)  // one starter did all, the rest waited
                } catch {
                    try? await admin.perform(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger)
                    throw error
                }
                try await admin.perform(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger)
            }
        }
    }
}
