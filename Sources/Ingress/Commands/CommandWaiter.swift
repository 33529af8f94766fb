import Foundation
import ServiceLifecycle
import SopzDomain
import SopzPorts
import SopzPostgres
import SopzRuntime
import Synchronization

/// Lets a request wait (`Prefer: wait=N`) for its command's outcome without polling.
///
/// A request registers before its command is published, so the outcome cannot slip past it.
/// The dispatcher's `NOTIFY sopz_commands, '<id>,<id>,…'` (sent after commit, also for
/// duplicates) names the finished commands; the waiter reads the outcomes of those with someone
/// waiting in one query and hands each request its own. A request whose notification never came
/// (lost with a dropped connection) looks once more when its time is up.
final class CommandWaiter: Service, Sendable {
    private enum Slot {
        /// Registered, not parked yet.
        case registered
        case parked(CheckedContinuation<FinishedCommand?, Never>)
        /// Finished (or timed out: nil) before the request parked.
        case settled(FinishedCommand?)
    }

    private let notifications: AsyncStream<String>
    private let outcomes: any CommandOutcomeReading
    private let slots = Mutex<[CommandID: [UUID: Slot]]>([:])

    /// `notifications` are the payloads of `NOTIFY sopz_commands` (`PostgresListener`), with
    /// `PostgresListener.resync` after a reconnect.
    init(notifications: AsyncStream<String>, outcomes: any CommandOutcomeReading) {
        self.notifications = notifications
        self.outcomes = outcomes
    }

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for await payload in notifications.cancelOnGracefulShutdown() {
                let ids: [CommandID]
                if payload == PostgresListener.resync {
                    ids = slots.withLock { Array($0.keys) }  // notifications may have been missed
                } else {
                    let named = payload.split(separator: ",").compactMap { CommandID(String($0)) }
                    ids = slots.withLock { slots in named.filter { slots[$0] != nil } }
                }
                if !ids.isEmpty { group.addTask { await self.deliverOutcomes(of: ids) } }
            }
        }
    }

    /// Registers for `id`'s outcome, runs `publish`, and waits for the outcome; nil when it did not
    /// come in time. All of it, the last look included, fits in `timeout`, so a request never
    /// waits longer than it asked (even while the database is down). Throws only what `publish`
    /// throws.
    func outcome(
        of id: CommandID, timeout: Duration, after publish: () async throws -> Void
    ) async throws -> FinishedCommand? {
        let lastLook = min(timeout / 4, .milliseconds(500))
        let deadline = ContinuousClock.now + timeout - lastLook
        let token = UUID()
        slots.withLock { $0[id, default: [:]][token] = .registered }
        do {
            try await publish()
        } catch {
            slots.withLock { Self.remove(id, token, from: &$0) }
            throw error
        }
        let outcome = await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(until: deadline)
                self.settle(id, token, with: nil)
            }
            let outcome = await park(id, token)
            group.cancelAll()
            return outcome
        }
        if let outcome { return outcome }
        return try? await withDeadline(lastLook) { [outcomes] in try await outcomes.finishedCommands([id])[id] }
    }

    private func deliverOutcomes(of ids: [CommandID]) async {
        guard let finished = try? await outcomes.finishedCommands(ids) else { return }  // the deadline reads again
        for (id, outcome) in finished {
            let tokens = slots.withLock { $0[id].map { Array($0.keys) } ?? [] }
            for token in tokens { settle(id, token, with: outcome) }
        }
    }

    /// Suspends until the slot is settled (at once if it already is).
    private func park(_ id: CommandID, _ token: UUID) async -> FinishedCommand? {
        await withCheckedContinuation { (continuation: CheckedContinuation<FinishedCommand?, Never>) in
            let settled = slots.withLock { slots -> FinishedCommand?? in
                guard case .settled(let outcome) = slots[id]?[token] else {
                    slots[id, default: [:]][token] = .parked(continuation)
                    return .none
                }
                Self.remove(id, token, from: &slots)
                return .some(outcome)
            }
            if case .some(let outcome) = settled { continuation.resume(returning: outcome) }
        }
    }

    /// Gives the request its outcome (nil: time is up); only the first settlement counts.
    private func settle(_ id: CommandID, _ token: UUID, with outcome: FinishedCommand?) {
        let continuation = slots.withLock { slots -> CheckedContinuation<FinishedCommand?, Never>? in
            switch slots[id]?[token] {
            case .parked(let continuation):
                Self.remove(id, token, from: &slots)
                return continuation
            case .registered:
                slots[id]?[token] = .settled(outcome)
                return nil
            case .settled, nil:
                return nil
            }
        }
        continuation?.resume(returning: outcome)
    }

    private static func remove(_ id: CommandID, _ token: UUID, from slots: inout [CommandID: [UUID: Slot]]) {
        slots[id]?[token] = nil
        if slots[id]?.isEmpty == true { slots[id] = nil }
    }

}
