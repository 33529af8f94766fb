import Foundation
import SopzContract
import SopzDomain

/// One saga as managers read it: where it stands, why when it failed, what the other systems
/// answered so far.
public struct SagaSummary: Sendable, Equatable, Encodable {
    public let id: String
    public let ticketId: TicketID
    /// Its name (`refund`).
    public let saga: String
    /// `running`, `compensating`, `succeeded` or `failed`.
    public let status: String
    /// The step awaited (running) or being undone (compensating); absent once it ended.
    public let step: String?
    /// Why it is compensating or failed.
    public let reason: String?
    /// The references other systems gave, by step.
    public let references: [String: String]
    /// When the awaited reply is late.
    public let deadline: Date?
    /// The administrator whose resolution it carries out.
    public let requestedBy: String
    public let startedAt: Date
    public let updatedAt: Date

    public init(_ saga: TicketSaga) {
        id = saga.id.uuidString.lowercased()
        ticketId = saga.ticketID
        self.saga = saga.state.definition.name
        status = saga.status
        let steps = saga.state.definition.steps
        switch saga.state.phase {
        case .running(let index):
            step = steps[index].name
            reason = nil
        case .compensating(let index, let why):
            step = steps[index].name
            reason = why
        case .succeeded:
            step = nil
            reason = nil
        case .failed(let why):
            step = nil
            reason = why
        }
        references = saga.state.references
        deadline = saga.state.deadline
        requestedBy = saga.requestedBy
        startedAt = saga.startedAt
        updatedAt = saga.updatedAt
    }

    /// The statuses a saga can be in (what `?status=` takes).
    public static let statuses = ["running", "compensating", "succeeded", "failed"]
}
