import Foundation
import ServiceLifecycle
import Synchronization

/// Tells reads that the projector has moved on, without polling: the projector's
/// `NOTIFY sopz_projected` after each step that applied events (`PostgresListener` on the read
/// database) wakes every read waiting for it, which then looks again. A read that asked for at
/// least some version (read-your-writes) waits here between looks.
final class ProjectionProgress: Service, Sendable {
    private struct State {
        /// Steps seen so far; a read notes it before it looks, so a step between its look and its
        /// wait is not missed.
        var steps = 0
        var waiting: [UUID: CheckedContinuation<Void, Never>] = [:]
        /// Waits whose deadline passed before they parked.
        var expired: Set<UUID> = []
    }

    private let notifications: AsyncStream<String>
    private let state = Mutex(State())

    /// `notifications` are the payloads of `NOTIFY sopz_projected` (`PostgresListener`).
    init(notifications: AsyncStream<String>) {
        self.notifications = notifications
    }

    func run() async throws {
        for await _ in notifications.cancelOnGracefulShutdown() {
            let woken = state.withLock { state in
                state.steps += 1
                defer { state.waiting.removeAll() }
                return Array(state.waiting.values)
            }
            for continuation in woken { continuation.resume() }
        }
    }

    /// The steps seen so far, to pass to `wait(after:until:)`.
    var steps: Int { state.withLock(\.steps) }

    /// Returns once a step after the `steps` a read noted has been announced, or at `deadline`.
    func wait(after steps: Int, until deadline: ContinuousClock.Instant) async {
        let token = UUID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(until: deadline)
                self.wake(token)
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state in
                    guard state.steps == steps, state.expired.remove(token) == nil else { return true }
                    state.waiting[token] = continuation
                    return false
                }
                if done { continuation.resume() }
            }
            group.cancelAll()
        }
        // The deadline task has ended (the group awaited it); whatever it marked goes.
        _ = state.withLock { $0.expired.remove(token) }
    }

    /// Ends one wait at its deadline (or marks it, if it has not parked yet).
    private func wake(_ token: UUID) {
        let continuation = state.withLock { state in
            guard let continuation = state.waiting.removeValue(forKey: token) else {
                state.expired.insert(token)
                return nil as CheckedContinuation<Void, Never>?
            }
            return continuation
        }
        continuation?.resume()
    }
}
