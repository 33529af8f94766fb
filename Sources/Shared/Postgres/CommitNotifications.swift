import Logging
import PostgresNIO
import ServiceLifecycle
import SopzDomain
import Synchronization

/// Announces finished commands (and new outbox rows) after their transactions committed, many
/// per `NOTIFY`.
///
/// A transaction that calls `NOTIFY` takes a database-wide lock before commit and keeps it
/// through its WAL flush, so notifying inside every command's transaction would serialise all
/// commits (measured here: about 380 commands/s). Sent afterwards from a tiny transaction that
/// changes no table, batched while the previous one is in flight, the lock costs nothing.
/// A notification lost in a crash only delays a waiting request to its `Prefer: wait` limit,
/// so these transactions commit without waiting for their WAL flush: `NOTIFY` gives its
/// transaction an id and a commit record, and a synchronous commit would add a disk sync per
/// announcement.
public final class CommitNotifications: Service, Sendable {
    /// Command ids per notification; NOTIFY payloads must stay under 8,000 bytes.
    static let idsPerNotification = 150

    private let client: PostgresClient
    private let logger: Logger
    private let pending = Mutex<[String]>([])
    private let wakeUps: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Records that `id` committed; it is announced shortly.
    public func finished(_ id: CommandID) {
        pending.withLock { $0.append(id.description) }
        wake.yield()
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in wakeUps { await flush() }
        } onGracefulShutdown: {
            self.wake.finish()
        }
        await flush()
    }

    private func flush() async {
        let ids = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !ids.isEmpty else { return }
        for start in stride(from: 0, to: ids.count, by: Self.idsPerNotification) {
            let payload = ids[start..<min(start + Self.idsPerNotification, ids.count)].joined(separator: ",")
            do {
                try await client.perform(
                    """
                    SELECT set_config('synchronous_commit', 'off', true),
                        pg_notify(\(TicketStore.commandsChannel), \(payload)), pg_notify(\(TicketStore.outboxChannel), '')
                    """, logger: logger)
            } catch {
                logger.debug("could not announce finished commands", metadata: ["error": "\(error)"])
            }
        }
    }
}
