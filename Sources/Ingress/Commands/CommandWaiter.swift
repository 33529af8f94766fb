import Foundation
import ServiceLifecycle
import SopzDomain
import SopzInfrastructure
import Synchronization

/// Lets a request wait (`Prefer: wait=N`) for its command's outcome without polling: the
/// dispatcher's `NOTIFY sopz_commands, '<id>,<id>,…'` wakes exactly the requests waiting for
/// those commands, which then read the outcome from the `commands` table.
final class CommandWaiter: Service, Sendable {
    private enum Slot {
        /// Registered, not parked yet: a notification now marks it `fired`.
        case registered
        case waiting(CheckedContinuation<Void, Never>)
        /// Woken between registering and parking.
        case fired
    }

    private let listener: PostgresListener
    private let store: TicketStore
    private let slots = Mutex<[CommandID: [UUID: Slot]]>([:])

    init(listener: PostgresListener, store: TicketStore) {
        self.listener = listener
        self.store = store
    }

    func run() async throws {
        for await payload in listener.notifications.cancelOnGracefulShutdown() {
            if payload == PostgresListener.resync {
                wakeAll()
            } else {
                for text in payload.split(separator: ",") {
                    if let id = CommandID(String(text)) { wake(id) }
                }
            }
        }
    }

    /// The command's outcome once it is recorded, or nil when `timeout` passed first.
    func outcome(of id: CommandID, timeout: Duration) async throws -> CommandRecord? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let token = UUID()
            // Register before reading, so a NOTIFY between the read and the wait is not lost.
            register(id, token)
            let record: CommandRecord?
            do {
                record = try await store.command(id)
            } catch {
                remove(id, token)
                throw error
            }
            if let record {
                remove(id, token)
                return record
            }
            if ContinuousClock.now >= deadline {
                remove(id, token)
                return nil
            }
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    try? await Task.sleep(until: deadline)
                    self.wake(id, token)
                }
                group.addTask { await self.park(id, token) }
                await group.next()
                group.cancelAll()
            }
        }
    }

    private func register(_ id: CommandID, _ token: UUID) {
        slots.withLock { $0[id, default: [:]][token] = .registered }
    }

    private func remove(_ id: CommandID, _ token: UUID) {
        slots.withLock { slots in
            slots[id]?[token] = nil
            if slots[id]?.isEmpty == true { slots[id] = nil }
        }
    }

    /// Suspends until `wake` fired for this token (at once if it already did).
    private func park(_ id: CommandID, _ token: UUID) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadyFired = slots.withLock { slots -> Bool in
                if case .fired = slots[id]?[token] {
                    slots[id]?[token] = nil
                    if slots[id]?.isEmpty == true { slots[id] = nil }
                    return true
                }
                slots[id, default: [:]][token] = .waiting(continuation)
                return false
            }
            if alreadyFired { continuation.resume() }
        }
    }

    private func wake(_ id: CommandID, _ token: UUID) {
        let continuation = slots.withLock { slots -> CheckedContinuation<Void, Never>? in
            if case .waiting(let continuation) = slots[id]?[token] {
                slots[id]?[token] = nil
                if slots[id]?.isEmpty == true { slots[id] = nil }
                return continuation
            }
            // Registered but not parked yet: park will see this and return at once. Absent
            // means it was already woken and removed; nothing to do.
            if case .registered = slots[id]?[token] { slots[id]?[token] = .fired }
            return nil
        }
        continuation?.resume()
    }

    private func wake(_ id: CommandID) {
        let tokens = slots.withLock { $0[id].map { Array($0.keys) } ?? [] }
        tokens.forEach { wake(id, $0) }
    }

    private func wakeAll() {
        let all = slots.withLock { $0.flatMap { id, tokens in tokens.keys.map { (id, $0) } } }
        all.forEach { wake($0.0, $0.1) }
    }
}
