import ServiceLifecycle
import Synchronization

/// A one-way latch: tasks wait until it opens; once open it stays open.
public final class Gate: Sendable {
    private struct State {
        var open = false
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public var isOpen: Bool { state.withLock { $0.open } }

    public func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [:] }
            return state.waiters.values
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns once the gate is open, or when the waiting task is cancelled (check `isOpen`).
    public func wait() async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Under the lock, so a cancellation either comes first (and is seen here) or
                // finds the waiter registered (and resumes it).
                let goOn = state.withLock { state in
                    if state.open || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if goOn { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// Waits until the gate opens; false when a graceful shutdown (or cancellation) came first.
    /// A service waiting for its schema must still stop on SIGTERM while the database is away.
    public func waitUnlessShuttingDown() async -> Bool {
        await cancelWhenGracefulShutdown { await self.wait() }
        return isOpen
    }
}
