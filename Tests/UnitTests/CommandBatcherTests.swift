import Foundation
import SopzDomain
import SopzProcessing
import SopzRuntime
import Synchronization
import Testing

@testable import Dispatcher

/// Group commit without a database: the batch and single-apply functions are stand-ins that
/// record what they were given.
@Suite(.timeLimit(.minutes(1))) struct CommandBatcherTests {
    final class Recorder: Sendable {
        let batches = Mutex<[[CommandID]]>([])
        let singles = Mutex<[CommandID]>([])
    }

    static func envelope() -> CommandEnvelope {
        let id = CommandID(UUID())
        return CommandEnvelope(
            commandID: id, issuedAt: Date(), issuer: User(id: "c", name: "C", roles: [.client]),
            ticketID: TicketID(UUID()), command: .create(NewTicket(title: "t", description: "d")))
    }

    static let sample = Ticket(
        id: TicketID(UUID()), ownerID: "c", ownerName: "C", title: "t", description: "d", category: nil, refund: nil,
        status: .new, assigneeID: nil, createdAt: Date(), updatedAt: Date(), version: 1)

    /// Waits (yielding, at most 10 s) until `condition` holds.
    func eventually(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
            await Task.yield()
        }
    }

    struct TimedOut: Error { let what: String }

    /// Runs `batcher` as a service while `body` runs.
    func running(_ batcher: CommandBatcher, _ body: @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await batcher.run() }
            try await eventually("the batcher runs") { batcher.isRunning }
            try await body()
            batcher.stop()
            try await group.waitForAll()
        }
    }

    @Test func commandsArrivingDuringATransactionShareTheNextOne() async throws {
        let recorder = Recorder()
        let firstBatchMayFinish = Gate()
        let batcher = CommandBatcher(
            maxBatch: 32, lanes: 1,
            applyBatch: { batch in
                let isFirst = recorder.batches.withLock { batches in
                    batches.append(batch.map(\.commandID))
                    return batches.count == 1
                }
                if isFirst { await firstBatchMayFinish.wait() }
                return batch.map { _ in .applied(Self.sample) }
            },
            applyOne: { _ in
                Issue.record("nothing should be applied alone"); return .duplicate
            })
        try await running(batcher) {
            try await withThrowingTaskGroup(of: ApplyOutcome.self) { group in
                group.addTask { try await batcher.apply(Self.envelope()) }
                try await eventually("the first batch is running") { recorder.batches.withLock { $0.count } == 1 }
                for _ in 0..<10 { group.addTask { try await batcher.apply(Self.envelope()) } }
                try await eventually("ten more are waiting") { batcher.waitingCount == 10 }
                firstBatchMayFinish.open()
                for try await outcome in group { #expect(outcome == .applied(Self.sample)) }
            }
        }
        #expect(recorder.batches.withLock { $0.map(\.count) } == [1, 10])
    }

    @Test func aFailedBatchIsAppliedCommandByCommand() async throws {
        let recorder = Recorder()
        let batcher = CommandBatcher(
            maxBatch: 32, lanes: 2,
            applyBatch: { _ in throw CancellationError() },
            applyOne: { envelope in
                recorder.singles.withLock { $0.append(envelope.commandID) }
                return .duplicate
            })
        let envelopes = (0..<5).map { _ in Self.envelope() }
        try await running(batcher) {
            try await withThrowingTaskGroup(of: ApplyOutcome.self) { group in
                for envelope in envelopes { group.addTask { try await batcher.apply(envelope) } }
                for try await outcome in group { #expect(outcome == .duplicate) }
            }
        }
        #expect(Set(recorder.singles.withLock { $0 }) == Set(envelopes.map(\.commandID)))
    }

    @Test func withoutItsLanesOrBatchingEveryCommandIsAppliedAlone() async throws {
        for batcher in [
            CommandBatcher(maxBatch: 32, lanes: 1, applyBatch: { _ in [] }, applyOne: { _ in .duplicate }),
            CommandBatcher(maxBatch: 1, lanes: 1, applyBatch: { _ in [] }, applyOne: { _ in .duplicate }),
        ] {
            // Not running (or batches of one): straight to the single apply.
            #expect(try await batcher.apply(Self.envelope()) == .duplicate)
        }
    }

    @Test func aBatchAnsweringTheWrongNumberOfOutcomesFallsBackToSingles() async throws {
        let batcher = CommandBatcher(
            maxBatch: 8, lanes: 1, applyBatch: { _ in [] }, applyOne: { _ in .rejected(.init(.conflict, "x")) })
        try await running(batcher) {
            let outcome = try await batcher.apply(Self.envelope())
            #expect(outcome == .rejected(.init(.conflict, "x")))
        }
    }
}
