import Logging
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import SopzRuntime

/// Keeps one connection LISTENing on a channel and streams each notification's payload.
///
/// After a lost connection it reconnects with backoff and emits `resync` once listening
/// again: notifications sent meanwhile are gone, so subscribers re-check the database.
public final class PostgresListener: Service, Sendable {
    public static let resync = "\u{0}resync"

    public let notifications: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    private let configuration: DatabaseConfiguration
    private let channel: String
    private let logger: Logger

    public init(configuration: DatabaseConfiguration, channel: String, logger: Logger) {
        (notifications, continuation) = AsyncStream.makeStream(
            of: String.self, bufferingPolicy: .bufferingNewest(10_000))
        self.configuration = configuration
        self.channel = channel
        self.logger = logger
    }

    public func run() async throws {
        var backoff = Backoff()
        var connectionID = 0
        while !Self.stopping {
            connectionID += 1
            let connection: PostgresConnection
            do {
                connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(),
                    configuration: configuration.connectionConfiguration(), id: connectionID, logger: logger)
            } catch {
                logger.warning("LISTEN \(channel) cannot connect; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(backoff.next()))
                continue
            }
            backoff.reset()
            do {
                try await withTaskCancellationOrGracefulShutdownHandler {
                    try await connection.listen(on: channel) { notifications in
                        continuation.yield(Self.resync)
                        for try await notification in notifications {
                            continuation.yield(notification.payload)
                        }
                    }
                } onCancelOrGracefulShutdown: {
                    _ = connection.close() as EventLoopFuture<Void>
                }
            } catch {
                if !Self.stopping {
                    logger.warning(
                        "LISTEN \(channel) lost its connection; reconnecting", metadata: ["error": "\(error)"])
                }
            }
            // Always await the close: a connection must never be dropped while open.
            try? await connection.close()
            if !Self.stopping { try? await Task.sleep(for: .seconds(backoff.next())) }
        }
        continuation.finish()
    }

    private static var stopping: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
