import Logging
import SopzDomain
import SopzInfrastructure
import Synchronization

/// Makes administrators known to the help desk when they first sign in: the first request of
/// each (per ingress process, and again when their name changes) records them. If the database
/// cannot be reached the request still goes on, and a later request tries again.
final class AdministratorSignIn: Sendable {
    private let store: AdministratorStore
    private let logger: Logger
    /// Administrators (id and name) this process has recorded.
    private let recorded = Mutex<Set<String>>([])

    init(store: AdministratorStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    func signedIn(_ user: User) async {
        guard user.has(.administrator) else { return }
        let key = user.id + "\n" + user.name
        guard !recorded.withLock({ $0.contains(key) }) else { return }
        do {
            try await store.register(user)
            recorded.withLock { recorded in
                if recorded.count >= 100_000 { recorded.removeAll() }  // bounded; re-recording is harmless
                recorded.insert(key)
            }
        } catch {
            logger.warning(
                "could not record an administrator's sign-in; will try again",
                metadata: ["user": "\(user.id)", "error": "\(error)"])
        }
    }
}
