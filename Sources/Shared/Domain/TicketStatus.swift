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

    /// The statuses a ticket may move to from this one, by anyone (from `Lifecycle.rules`, the
    /// one declaration). `closed` and `cancelled` are final.
    public var allowedNext: Set<TicketStatus> {
        Set(Lifecycle.rules.filter { $0.from.contains(self) }.compactMap(\.to)).subtracting([self])
    }

    public func canMove(to next: TicketStatus) -> Bool { allowedNext.contains(next) }

    /// A client may cancel only before the ticket is resolved.
    public var isCancellable: Bool { canMove(to: .cancelled) }

    /// Nothing more happens to a final ticket.
    public var isFinal: Bool { !Lifecycle.rules.contains { $0.from.contains(self) } }

    /// The statuses that count towards the assignee's load: taken on, not yet resolved or ended.
    public static let inHand: Set<TicketStatus> = [.assigned, .inProgress, .waitingForClient]
}
