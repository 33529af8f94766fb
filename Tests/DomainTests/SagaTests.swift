import Foundation
import Testing

@testable import SopzDomain

/// The saga state machine without I/O: success, failure and compensation in reverse, timeouts
/// without any message arriving, and duplicate, late and foreign replies changing nothing.
struct SagaTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let id = UUID()

    static func reply(_ state: SagaState, _ outcome: SagaReply.Outcome) -> SagaReply {
        SagaReply(sagaID: state.id, requestID: SagaMachine.awaitedRequest(state)!, outcome: outcome)
    }

    static func sent(_ effects: [SagaEffect]) -> [String] {
        effects.compactMap { if case .send(let key, _) = $0 { key } else { nil } }
    }

    @Test func bothStepsSucceedingCompleteTheSagaWithTheirReferences() {
        var (state, effects) = SagaMachine.start(.refund, id: Self.id, at: Self.now)
        #expect(Self.sent(effects) == ["billing.refund.request"])
        #expect(state.deadline == Self.now.addingTimeInterval(60))
        (state, effects) = SagaMachine.handle(Self.reply(state, .succeeded(reference: "B-1")), in: state, at: Self.now)
        #expect(Self.sent(effects) == ["ledger.refund.record"])
        (state, effects) = SagaMachine.handle(Self.reply(state, .succeeded(reference: "L-1")), in: state, at: Self.now)
        #expect(effects == [.completed(references: ["billing.refund": "B-1", "ledger.record": "L-1"])])
        #expect(state.phase == .succeeded && state.hasEnded && state.deadline == nil)
    }

    @Test func aFailedLaterStepUndoesTheCompletedOnesThenFails() throws {
        var (state, _) = SagaMachine.start(.refund, id: Self.id, at: Self.now)
        (state, _) = SagaMachine.handle(Self.reply(state, .succeeded(reference: "B-1")), in: state, at: Self.now)
        var effects: [SagaEffect]
        (state, effects) = SagaMachine.handle(
            Self.reply(state, .failed(reason: "closed period")), in: state, at: Self.now)
        #expect(Self.sent(effects) == ["billing.refund.reverse"])
        (state, effects) = SagaMachine.handle(Self.reply(state, .succeeded(reference: "R-1")), in: state, at: Self.now)
        #expect(effects == [.failed(reason: "ledger.record failed: closed period")])
        #expect(state.phase == .failed(reason: "ledger.record failed: closed period"))
    }

    @Test func aFailedFirstStepHasNothingToUndo() {
        var (state, _) = SagaMachine.start(.refund, id: Self.id, at: Self.now)
        let effects: [SagaEffect]
        (state, effects) = SagaMachine.handle(
            Self.reply(state, .failed(reason: "card expired")), in: state, at: Self.now)
        #expect(effects == [.failed(reason: "billing.refund failed: card expired")])
        #expect(state.hasEnded)
    }

    @Test func silenceIsAFailureOnceTheTimeoutPassesAndAnUndoIsSentUntilAnswered() throws {
        var (state, _) = SagaMachine.start(.refund, id: Self.id, at: Self.now)
        (state, _) = SagaMachine.handle(Self.reply(state, .succeeded(reference: "B-1")), in: state, at: Self.now)
        #expect(SagaMachine.tick(state, at: Self.now.addingTimeInterval(59)).1.isEmpty)
        var effects: [SagaEffect]
        (state, effects) = SagaMachine.tick(state, at: Self.now.addingTimeInterval(60))
        #expect(Self.sent(effects) == ["billing.refund.reverse"])
        let firstUndo = try #require(SagaMachine.awaitedRequest(state))
        // The undo is not answered either: sent again, under a new id.
        (state, effects) = SagaMachine.tick(state, at: Self.now.addingTimeInterval(120))
        #expect(Self.sent(effects) == ["billing.refund.reverse"])
        let secondUndo = try #require(SagaMachine.awaitedRequest(state))
        #expect(secondUndo != firstUndo)
        // The first undo's answer, arriving late, is no longer awaited.
        let late = SagaReply(sagaID: Self.id, requestID: firstUndo, outcome: .succeeded(reference: "R-1"))
        #expect(SagaMachine.handle(late, in: state, at: Self.now) == (state, []))
        (state, effects) = SagaMachine.handle(Self.reply(state, .succeeded(reference: "R-2")), in: state, at: Self.now)
        #expect(effects == [.failed(reason: "ledger.record did not answer in time")])
    }

    @Test func duplicateLateAndForeignRepliesChangeNothing() {
        var (state, _) = SagaMachine.start(.refund, id: Self.id, at: Self.now)
        let billing = Self.reply(state, .succeeded(reference: "B-1"))
        (state, _) = SagaMachine.handle(billing, in: state, at: Self.now)
        #expect(SagaMachine.handle(billing, in: state, at: Self.now) == (state, []))
        let foreign = SagaReply(
            sagaID: UUID(), requestID: SagaMachine.awaitedRequest(state)!, outcome: .failed(reason: "x"))
        #expect(SagaMachine.handle(foreign, in: state, at: Self.now) == (state, []))
        let ledger = Self.reply(state, .succeeded(reference: "L-1"))
        (state, _) = SagaMachine.handle(ledger, in: state, at: Self.now)
        #expect(SagaMachine.handle(ledger, in: state, at: Self.now) == (state, []))
        #expect(SagaMachine.tick(state, at: Self.now.addingTimeInterval(1_000)) == (state, []))
    }

    /// Another saga is only a declaration: three steps, a failure at the third undoes the second
    /// and then the first, newest first, skipping none.
    @Test func anySagaIsADeclarationAndUndoesInReverse() {
        let definition = SagaDefinition(
            name: "exchange",
            steps: [
                .init(name: "stock.reserve", request: "stock.reserve", compensation: "stock.release", timeout: 10),
                .init(name: "billing.charge", request: "billing.charge", compensation: "billing.refund", timeout: 10),
                .init(name: "courier.book", request: "courier.book", compensation: nil, timeout: 10),
            ])
        var (state, effects) = SagaMachine.start(definition, id: Self.id, at: Self.now)
        var keys = Self.sent(effects)
        for outcome in [
            SagaReply.Outcome.succeeded(reference: "S"), .succeeded(reference: "C"), .failed(reason: "no van"),
            .succeeded(reference: "undone"), .succeeded(reference: "undone"),
        ] {
            (state, effects) = SagaMachine.handle(Self.reply(state, outcome), in: state, at: Self.now)
            keys += Self.sent(effects)
        }
        #expect(keys == ["stock.reserve", "billing.charge", "courier.book", "billing.refund", "stock.release"])
        #expect(effects == [.failed(reason: "courier.book failed: no van")])
        #expect(
            SagaMachine.start(SagaDefinition(name: "none", steps: []), id: Self.id, at: Self.now).1 == [
                .completed(references: [:])
            ])
    }
}
