import Foundation
import ServiceLifecycle
import SopzDomain
import SopzPorts
import SopzRuntime
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

/// Reads of the read model that can wait for the projector: a client that just saw its
/// command `done` at version n asks for `minVersion=n`, and the answer shows its change.
struct ReadYourWrites: Sendable {
    let readModel: any ReadModelReading
    let progress: ProjectionProgress
    /// The write model, asked only when the view is behind: is there anything to wait for?
    let writeModel: any TicketReading
    /// How long a read waits for the projector to reach the version asked for; beyond it the
    /// answer is 503 `read-model-behind`, never an older ticket passed off as current.
    var wait: Duration = .seconds(2)
    /// How long the write model is given to say whether the version exists.
    var lookTimeout: Duration = .milliseconds(250)

    /// The view of `id` at `minVersion` or later (any version without it); nil when there is
    /// none. When the view is behind, the write model says whether that version exists: if the
    /// ticket is not there for `user` (or not at that version yet) there is nothing to wait for
    /// and the view is the answer; if it is, or the write model cannot tell, the read waits for the projector.
    /// Throws `Problem.readModelBehind` when the view did not get there in time and
    /// `Problem.unavailable` when the read database does not answer.
    func ticket(_ id: TicketID, minVersion: Int?, for user: User) async throws -> Ticket? {
        let deadline = ContinuousClock.now + wait
        var worthWaiting = false
        while true {
            let steps = progress.steps
            let ticket = try await Problem.unavailableUnless(reading: "tickets") { try await readModel.ticket(id) }
            guard let minVersion, (ticket?.version ?? 0) < minVersion else { return ticket }
            if !worthWaiting {
                do {
                    let written = try await withDeadline(lookTimeout) { [writeModel] in try await writeModel.ticket(id)
                    }
                    // Not there for this user: nothing to wait for, and nothing to reveal.
                    guard let written, written.isVisible(to: user), written.version >= minVersion else { return ticket }
                } catch {
                    // The write model cannot tell: wait for the projector as if it existed.
                }
                worthWaiting = true
            }
            guard ContinuousClock.now < deadline else {
                throw Problem.readModelBehind("the ticket is not yet at version \(minVersion) in the read model")
            }
            await progress.wait(after: steps, until: deadline)
        }
    }
}
