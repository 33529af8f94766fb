import ServiceLifecycle
import SopzDomain
import SopzProcessing
import Synchronization

/// Group commit for the dispatcher: commands that arrive while a transaction is running are
/// applied together in the next one, so a burst costs one BEGIN/COMMIT (and one WAL flush) per
/// batch instead of per command. A few lanes run batches side by side.
///
/// The contract stays that of a single apply: each caller gets its own command's outcome, and
/// only after the transaction holding it committed. If a batch fails as a whole (one bad
/// command, a deadlock, an outage), or the batcher is not running, callers apply their command
/// on its own, so errors keep being judged per command.
final class CommandBatcher: Service, Sendable {
    typealias ApplyBatch = @Sendable ([CommandEnvelope]) async throws -> [ApplyOutcome]
    typealias ApplyOne = @Sendable (CommandEnvelope) async throws -> ApplyOutcome

    private struct Waiting {
        let envelope: CommandEnvelope
        /// nil: the batch did not happen; apply the command alone.
        let continuation: CheckedContinuation<ApplyOutcome?, Never>
    }

    private struct State {
        var pending: [Waiting] = []
        var idleLanes: [CheckedContinuation<Bool, Never>] = []
        var running = false
        var stopping = false
    }

    let maxBatch: Int
    let lanes: Int
    private let applyBatch: ApplyBatch
    private let applyOne: ApplyOne
    /// Told the size of each batch that committed (metrics).
    private let batchApplied: @Sendable (Int) -> Void
    private let state = Mutex(State())

    init(
        maxBatch: Int, lanes: Int, applyBatch: @escaping ApplyBatch, applyOne: @escaping ApplyOne,
        batchApplied: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.maxBatch = maxBatch
        self.lanes = lanes
        self.applyBatch = applyBatch
        self.applyOne = applyOne
        self.batchApplied = batchApplied
    }

    convenience init(
        applier: CommandApplier, maxBatch: Int, lanes: Int, batchApplied: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.init(
            maxBatch: maxBatch, lanes: lanes, applyBatch: { try await applier.apply(batch: $0) },
            applyOne: { try await applier.apply($0) }, batchApplied: batchApplied)
    }

    var isRunning: Bool { state.withLock { $0.running && !$0.stopping } }

    /// Commands waiting for a lane.
    var waitingCount: Int { state.withLock { $0.pending.count } }

    /// Applies `envelope`, batched with others where possible.
    func apply(_ envelope: CommandEnvelope) async throws -> ApplyOutcome {
        if maxBatch > 1, let outcome = await submit(envelope) { return outcome }
        let outcome = try await applyOne(envelope)
        batchApplied(1)
        return outcome
    }

    private func submit(_ envelope: CommandEnvelope) async -> ApplyOutcome? {
        await withCheckedContinuation { (continuation: CheckedContinuation<ApplyOutcome?, Never>) in
            let lane = state.withLock { state -> CheckedContinuation<Bool, Never>?? in
                guard state.running, !state.stopping else { return .none }
                state.pending.append(Waiting(envelope: envelope, continuation: continuation))
                return .some(state.idleLanes.popLast())
            }
            switch lane {
            case .none: continuation.resume(returning: nil)
            case .some(let idle): idle?.resume(returning: true)
            }
        }
    }

    /// Runs the lanes until graceful shutdown (or cancellation); commands still waiting then are
    /// applied alone. Place it before the consuming service, so it stops after the drain.
    func run() async throws {
        state.withLock { $0.running = true }
        await withTaskCancellationOrGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<lanes { group.addTask { await self.lane() } }
            }
        } onCancelOrGracefulShutdown: {
            self.stop()
        }
    }

    func stop() {
        let (idle, waiting) = state.withLock { state in
            state.stopping = true
            defer {
                state.idleLanes = []
                state.pending = []
            }
            return (state.idleLanes, state.pending)
        }
        idle.forEach { $0.resume(returning: false) }
        waiting.forEach { $0.continuation.resume(returning: nil) }
    }

    private func lane() async {
        while let batch = await nextBatch() {
            do {
                let outcomes = try await applyBatch(batch.map(\.envelope))
                guard outcomes.count == batch.count else { throw BatchMismatch() }
                batchApplied(batch.count)
                for (waiting, outcome) in zip(batch, outcomes) { waiting.continuation.resume(returning: outcome) }
            } catch {
                batch.forEach { $0.continuation.resume(returning: nil) }
            }
        }
    }

    private struct BatchMismatch: Error {}

    /// Everything pending (up to `maxBatch`), waiting for work if there is none; nil once stopping.
    private func nextBatch() async -> [Waiting]? {
        while true {
            let taken = state.withLock { state -> [Waiting]? in
                if state.stopping { return nil }
                let count = min(maxBatch, state.pending.count)
                defer { state.pending.removeFirst(count) }
                return Array(state.pending.prefix(count))
            }
            guard let taken else { return nil }
            if !taken.isEmpty { return taken }
            let woken = await withCheckedContinuation { (idle: CheckedContinuation<Bool, Never>) in
                let wakeNow = state.withLock { state -> Bool in
                    if state.stopping || !state.pending.isEmpty { return true }
                    state.idleLanes.append(idle)
                    return false
                }
                if wakeNow { idle.resume(returning: true) }
            }
            if !woken { return nil }
        }
    }
}
