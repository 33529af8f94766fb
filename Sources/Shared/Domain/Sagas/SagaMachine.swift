import Foundation

/// Runs any `SagaDefinition`, without I/O: a start, each reply and each tick of the clock go in; a
/// new state and the effects to carry out come out. Replies it is not waiting for (duplicates,
/// late ones, another saga's) change nothing, and a reply that does not come is a failure once
/// the step's timeout passes — so a saga ends however the other systems behave.
///
/// Compensation: when a step fails or times out, the steps completed before it are undone in
/// reverse order, each waiting for its own reply; an undo that fails or times out is sent again
/// (with a new request id, so an old answer cannot be mistaken for the new one), since a refund
/// that cannot be reversed must not be forgotten.
public enum SagaMachine {
    public static func start(_ definition: SagaDefinition, id: UUID, at now: Date) -> (SagaState, [SagaEffect]) {
        var state = SagaState(id: id, definition: definition, phase: .running(step: 0), references: [:], deadline: nil)
        guard let first = definition.steps.first else {
            state.end(.succeeded)
            return (state, [.completed(references: [:])])
        }
        state.awaitReply(within: first.timeout, from: now)
        return (state, [.send(routingKey: first.request, requestID: requestID(state, step: 0, attempt: 0))])
    }

    /// The id of the request `state` is waiting on a reply for (nil once it has ended).
    public static func awaitedRequest(_ state: SagaState) -> UUID? {
        switch state.phase {
        case .running(let step): requestID(state, step: step, attempt: 0)
        case .compensating(let step, _): requestID(state, step: step, attempt: state.compensationAttempt)
        case .succeeded, .failed: nil
        }
    }

    public static func handle(_ reply: SagaReply, in state: SagaState, at now: Date) -> (SagaState, [SagaEffect]) {
        guard reply.sagaID == state.id, reply.requestID == awaitedRequest(state) else { return (state, []) }
        var state = state
        switch (state.phase, reply.outcome) {
        case (.running(let step), .succeeded(let reference)):
            state.record(reference, for: state.definition.steps[step].name)
            let next = step + 1
            guard next < state.definition.steps.count else {
                state.end(.succeeded)
                return (state, [.completed(references: state.references)])
            }
            state.move(to: .running(step: next), waiting: state.definition.steps[next].timeout, from: now)
            return (
                state,
                [
                    .send(
                        routingKey: state.definition.steps[next].request,
                        requestID: requestID(state, step: next, attempt: 0))
                ]
            )
        case (.running(let step), .failed(let reason)):
            return compensate(
                before: step, because: "\(state.definition.steps[step].name) failed: \(reason)", state, now)
        case (.compensating(let step, let reason), .succeeded):
            return compensate(before: step, because: reason, state, now)
        case (.compensating, .failed):
            return retryCompensation(state, now)
        case (.succeeded, _), (.failed, _):
            return (state, [])
        }
    }

    /// The clock: a step whose reply is late has failed; an undo whose reply is late is sent again.
    public static func tick(_ state: SagaState, at now: Date) -> (SagaState, [SagaEffect]) {
        guard let deadline = state.deadline, now >= deadline else { return (state, []) }
        switch state.phase {
        case .running(let step):
            return compensate(
                before: step, because: "\(state.definition.steps[step].name) did not answer in time", state, now)
        case .compensating:
            return retryCompensation(state, now)
        case .succeeded, .failed:
            return (state, [])
        }
    }

    /// Undoes, newest first, the completed steps before `step` that can be undone; ends failed
    /// when none is left.
    private static func compensate(
        before step: Int, because reason: String, _ state: SagaState, _ now: Date
    ) -> (SagaState, [SagaEffect]) {
        var state = state
        guard let undo = (0..<step).reversed().first(where: { state.definition.steps[$0].compensation != nil }) else {
            state.end(.failed(reason: reason))
            return (state, [.failed(reason: reason)])
        }
        state.compensationAttempt = 0
        state.move(
            to: .compensating(step: undo, reason: reason), waiting: state.definition.steps[undo].timeout, from: now)
        return (state, [compensation(state, step: undo)])
    }

    private static func retryCompensation(_ state: SagaState, _ now: Date) -> (SagaState, [SagaEffect]) {
        guard case .compensating(let step, _) = state.phase else { return (state, []) }
        var state = state
        state.compensationAttempt += 1
        state.awaitReply(within: state.definition.steps[step].timeout, from: now)
        return (state, [compensation(state, step: step)])
    }

    private static func compensation(_ state: SagaState, step: Int) -> SagaEffect {
        .send(
            routingKey: state.definition.steps[step].compensation ?? "",
            requestID: requestID(state, step: step, attempt: state.compensationAttempt))
    }

    /// Derived, so a replayed saga sends the same ids: step requests by step, undos also by attempt.
    static func requestID(_ state: SagaState, step: Int, attempt: Int) -> UUID {
        let kind = if case .compensating = state.phase { "undo-\(attempt)" } else { "do" }
        return DerivedID.uuid(from: state.id, label: "saga-\(state.definition.name)-\(step)-\(kind)")
    }
}
