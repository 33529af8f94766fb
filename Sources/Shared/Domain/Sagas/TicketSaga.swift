import Foundation

/// A saga one ticket runs (the refund saga, when a refund ticket is resolved), as the write model
/// keeps it: a row of its own beside the ticket's, locked with the ticket by batches that touch a
/// refund ticket. It is operational state, not event-sourced — what it did shows in the ticket's
/// events (the system messages in its chat, the resolution and its references).
public struct TicketSaga: Hashable, Sendable, Codable {
    public var state: SagaState
    public let ticketID: TicketID
    /// The administrator whose resolution the saga carries out (the resolution is theirs), and
    /// the comment they gave.
    public let requestedBy: String
    public let comment: String?
    public let startedAt: Date
    public var updatedAt: Date

    public init(
        state: SagaState, ticketID: TicketID, requestedBy: String, comment: String?, startedAt: Date, updatedAt: Date
    ) {
        self.state = state
        self.ticketID = ticketID
        self.requestedBy = requestedBy
        self.comment = comment
        self.startedAt = startedAt
        self.updatedAt = updatedAt
    }

    public var id: UUID { state.id }

    /// `running`, `compensating`, `succeeded` or `failed`: the column managers filter by.
    public var status: String {
        switch state.phase {
        case .running: "running"
        case .compensating: "compensating"
        case .succeeded: "succeeded"
        case .failed: "failed"
        }
    }

    /// The saga's id for a resolution: derived from the resolving command, so a redelivery
    /// starts the same saga.
    static func id(startedBy command: CommandID) -> UUID { DerivedID.uuid(from: command.rawValue, label: "saga") }
}

extension SagaReply {
    /// What is wrong with a reply's words (they reach the ticket's chat and its events).
    public func violations() -> [FieldViolation] {
        switch outcome {
        case .succeeded(let reference): TextLimits.optional(reference, field: "reference")
        case .failed(let reason): TextLimits.optional(reason, field: "reason")
        }
    }
}

/// What the help desk's sagas are. Their step timeouts are the only thing an operator may change
/// (`SOPZ_SAGA_STEP_TIMEOUT_SECONDS`); a saga keeps the definition it started with.
public struct SagaCatalogue: Hashable, Sendable {
    public let refund: SagaDefinition

    public init(refund: SagaDefinition = .refund) { self.refund = refund }

    /// Every step of every saga given `timeout`.
    public init(stepTimeout timeout: TimeInterval) {
        refund = SagaDefinition(
            name: SagaDefinition.refund.name,
            steps: SagaDefinition.refund.steps.map {
                .init(name: $0.name, request: $0.request, compensation: $0.compensation, timeout: timeout)
            })
    }

    public static let standard = SagaCatalogue()
}
