import Logging
import PostgresNIO
import SopzRuntime

/// Reads that give up after `timeout`: the pool would otherwise wait for a database that is
/// down, and callers answer 503 instead of hanging. The stores that only read hold one.
struct BoundedReads: Sendable {
    let client: PostgresClient
    let logger: Logger
    let timeout: Duration

    func run<T: Sendable>(_ read: @escaping @Sendable (PostgresClient, Logger) async throws -> T) async throws -> T {
        try await withDeadline(timeout) { [client, logger] in try await read(client, logger) }
    }
}
