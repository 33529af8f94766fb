import Foundation
import SopzDomain
import SopzProcessing
import SopzRuntime
import SopzTestSupport
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

    static func envelope() -> CommandEnvelope { Samples.create() }

    static let sample = Samples.ticket()

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

    /// A batcher whose batch and single paths each record what they were given and answer
    /// differently, so a test can tell which one ran.
    static func recording(
        _ recorder: Recorder, maxBatch: Int, batchOutcomes: @escaping @Sendable (Int) -> [ApplyOutcome]
    ) -> CommandBatcher {
        CommandBatcher(
            maxBatch: maxBatch, lanes: 1,
            applyBatch: { batch in
                recorder.batches.withLock { $0.append(batch.map(\.commandID)) }
                return batchOutcomes(batch.count)
            },
            applyOne: { envelope in
                recorder.singles.withLock { $0.append(envelope.commandID) }
                return .rejected(.init(.conflict, "alone"))
            })
    }

    @Test func withoutItsLanesOrBatchingEveryCommandIsAppliedAlone() async throws {
        for maxBatch in [32, 1] {
            // Not running (32) or batches of one (1): straight to the single apply.
            let recorder = Recorder()
            let batcher = Self.recording(recorder, maxBatch: maxBatch) { Array(repeating: .duplicate, count: $0) }
            let envelope = Self.envelope()
            #expect(try await batcher.apply(envelope) == .rejected(.init(.conflict, "alone")))
            #expect(recorder.batches.withLock { $0 }.isEmpty)
            #expect(recorder.singles.withLock { $0 } == [envelope.commandID])
        }
    }

    @Test func aBatchAnsweringTheWrongNumberOfOutcomesFallsBackToSingles() async throws {
        let recorder = Recorder()
        let batcher = Self.recording(recorder, maxBatch: 8) { _ in [] }
        let envelope = Self.envelope()
        try await running(batcher) {
            let outcome = try await batcher.apply(envelope)
            #expect(outcome == .rejected(.init(.conflict, "alone")))
        }
        #expect(recorder.batches.withLock { $0 } == [[envelope.commandID]])
        #expect(recorder.singles.withLock { $0 } == [envelope.commandID])
    }

    @Test func aRunningBatcherAppliesThroughTheBatchPath() async throws {
        let recorder = Recorder()
        let batcher = Self.recording(recorder, maxBatch: 8) { Array(repeating: .duplicate, count: $0) }
        let envelope = Self.envelope()
        try await running(batcher) {
            let outcome = try await batcher.apply(envelope)
            #expect(outcome == .duplicate)
        }
        #expect(recorder.batches.withLock { $0 } == [[envelope.commandID]])
        #expect(recorder.singles.withLock { $0 }.isEmpty)
    }
}
