import Logging
import ServiceLifecycle
import SopzDomain
import Synchronization

/// Makes administrators known to the help desk when they first sign in: the first request of
/// each (per ingress process, and again when their name changes) queues them, and this service
/// sends an `administrator.register` command for them in the background — the same path as
/// every other write, so the dispatcher registers them and gives them waiting tickets at once.
/// Requests never wait for it, not even while RabbitMQ is down; if publishing fails, a later
/// request queues them again.
final class AdministratorSignIn: Service, Sendable {
    private struct State {
        /// Administrators (id and name) this process has recorded.
        var recorded = Set<String>()
        /// Queued and not yet recorded: not queued again meanwhile.
        var queued = Set<String>()
    }

    private let gateway: CommandGateway
    private let logger: Logger
    private let state = Mutex(State())
    private let arrivals: AsyncStream<User>
    private let arrival: AsyncStream<User>.Continuation

    init(gateway: CommandGateway, logger: Logger) {
        self.gateway = gateway
        self.logger = logger
        // Unbounded, but each administrator is queued at most once at a time.
        (arrivals, arrival) = AsyncStream.makeStream(of: User.self)
    }

    /// Notes that `user` made a request; cheap for everyone already recorded.
    func signedIn(_ user: User) {
        guard user.has(.administrator) else { return }
        let key = Self.key(user)
        let isNew = state.withLock { state in
            guard !state.recorded.contains(key), !state.queued.contains(key) else { return false }
            state.queued.insert(key)
            return true
        }
        if isNew { arrival.yield(user) }
    }

    func run() async throws {
        for await user in arrivals.cancelOnGracefulShutdown() {
            let key = Self.key(user)
            var recorded = false
            do {
                try await gateway.publish(
                    gateway.envelope(.registerAdministrator, ticketID: nil, by: user, idempotencyKey: nil))
                recorded = true
            } catch {
                logger.warning(
                    "could not record an administrator's sign-in; a later request will try again",
                    metadata: ["user": "\(user.id)", "error": "\(error)"])
            }
            state.withLock { state in
                state.queued.remove(key)
                guard recorded else { return }
                if state.recorded.count >= 100_000 { state.recorded.removeAll() }  // bounded; re-recording is harmless
                state.recorded.insert(key)
            }
        }
    }

    private static func key(_ user: User) -> String { user.id + "\n" + user.name }
}
