/// Where a ticket is in its life. The raw values are the API's (docs/lifecycle.md).
public enum TicketStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for an administrator.
    case new
    case assigned
    case inProgress = "in_progress"
    case waitingForClient = "waiting_for_client"
    /// Done; this is what external systems are told.
    case resolved
    case closed
    case cancelled

    /// The statuses a ticket may move to from this one. `closed` and `cancelled` are final;
    /// a resolved ticket may be reopened (back to work) or closed.
    public var allowedNext: Set<TicketStatus> {
        switch self {
        case .new: [.assigned, .cancelled]
        case .assigned: [.new, .inProgress, .waitingForClient, .resolved, .cancelled]
        case .inProgress: [.waitingForClient, .resolved, .cancelled]
        case .waitingForClient: [.inProgress, .resolved, .cancelled]
        case .resolved: [.inProgress, .closed]
        case .closed, .cancelled: []
        }
    }

    public func canMove(to next: TicketStatus) -> Bool { allowedNext.contains(next) }

    /// A client may cancel only before the ticket is resolved.
    public var isCancellable: Bool { canMove(to: .cancelled) }

    public var isFinal: Bool { allowedNext.isEmpty }

    /// The statuses that count towards the assignee's load: taken on, not yet resolved or ended.
    public static let inHand: Set<TicketStatus> = [.assigned, .inProgress, .waitingForClient]
}
