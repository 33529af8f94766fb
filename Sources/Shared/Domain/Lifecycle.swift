/// The ticket lifecycle as one declared table: for each action, who may take it, from which
/// statuses, and where it leads. Every command on a ticket is judged by it; the README shows it
/// (generated from this table, and a test keeps the two equal), and the tests go through it
/// cell by cell.
public enum Lifecycle {
    /// What someone does to a ticket.
    public enum Action: Hashable, Sendable {
        case cancel
        case setStatus(TicketStatus)
        case confirm
        case reopen
        case assign
        case unassign
        case postMessage

        /// Every action, for the tests and the README.
        public static let all: [Action] =
            [.cancel] + TicketStatus.allCases.map(Action.setStatus)
            + [.confirm, .reopen, .assign, .unassign, .postMessage]

        /// The actions of the same kind (every `setStatus` is one kind).
        var kind: String {
            switch self {
            case .setStatus: "setStatus"
            default: "\(self)"
            }
        }
    }

    /// Who acts, as the lifecycle sees them: a client is the ticket's owner (anyone else's client
    /// does not see the ticket at all); `system` is the help desk itself (assignment by workload).
    public enum Actor: String, Hashable, Sendable, CaseIterable, Comparable {
        case owner, administrator, manager, system

        public static func < (lhs: Actor, rhs: Actor) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// What a cell of the table says.
    public enum Cell: Hashable, Sendable {
        /// Allowed; the ticket moves to this status.
        case moves(to: TicketStatus)
        /// Allowed; the status stays (a message, a reassignment).
        case stays
        /// Refused, and why.
        case refused(Refusal)
    }

    public enum Refusal: String, Hashable, Sendable {
        /// This actor never takes this action.
        case forbidden
        /// Not from this status.
        case invalidTransition = "invalid-transition"
        /// Closed and cancelled tickets take nothing more.
        case final = "ticket-final"
    }

    /// One row: `action` by `actors` from `from` leads to `to` (nil: the status stays).
    public struct Rule: Hashable, Sendable {
        public let action: Action
        public let actors: Set<Actor>
        public let from: Set<TicketStatus>
        public let to: TicketStatus?
    }

    static let open: Set<TicketStatus> = [.new, .assigned, .inProgress, .waitingForClient]
    static let inHand = TicketStatus.inHand
    static let staff: Set<Actor> = [.administrator, .manager]

    /// The table.
    public static let rules: [Rule] = [
        Rule(action: .cancel, actors: [.owner], from: open, to: .cancelled),
        Rule(
            action: .setStatus(.inProgress), actors: staff, from: [.assigned, .waitingForClient, .resolved],
            to: .inProgress),
        Rule(
            action: .setStatus(.waitingForClient), actors: staff, from: [.assigned, .inProgress], to: .waitingForClient),
        Rule(action: .setStatus(.resolved), actors: staff, from: inHand, to: .resolved),
        Rule(action: .setStatus(.closed), actors: staff, from: [.resolved], to: .closed),
        Rule(action: .confirm, actors: [.owner], from: [.resolved], to: .closed),
        Rule(action: .reopen, actors: [.owner], from: [.resolved], to: .inProgress),
        Rule(action: .assign, actors: [.manager, .system], from: [.new], to: .assigned),
        Rule(action: .assign, actors: [.manager], from: inHand, to: nil),
        Rule(action: .unassign, actors: [.manager], from: inHand, to: .new),
        Rule(action: .postMessage, actors: [.owner], from: [.new, .assigned, .inProgress], to: nil),
        Rule(action: .postMessage, actors: [.owner], from: [.waitingForClient, .resolved], to: .inProgress),
        Rule(action: .postMessage, actors: [.administrator, .system], from: open.union([.resolved]), to: nil),
    ]

    /// The cell for `action` by `actor` on a ticket in `status`.
    public static func cell(_ status: TicketStatus, _ action: Action, by actor: Actor) -> Cell {
        if let rule = rules.first(where: {
            $0.action == action && $0.actors.contains(actor) && $0.from.contains(status)
        }) {
            return rule.to.map { .moves(to: $0) } ?? .stays
        }
        if status.isFinal { return .refused(.final) }
        let takesThisKind = rules.contains { $0.action.kind == action.kind && $0.actors.contains(actor) }
        return .refused(takesThisKind ? .invalidTransition : .forbidden)
    }

    /// The cell for a user (the most permissive of their roles): `owner` is whether they opened it.
    public static func cell(_ status: TicketStatus, _ action: Action, by user: User, owner: Bool) -> Cell {
        var actors: [Actor] = []
        if user.has(.client) && owner { actors.append(.owner) }
        if user.has(.administrator) { actors.append(.administrator) }
        if user.has(.manager) { actors.append(.manager) }
        let cells = actors.map { cell(status, action, by: $0) }
        if let allowed = cells.first(where: { if case .refused = $0 { false } else { true } }) { return allowed }
        let refusals = cells.compactMap { cell -> Refusal? in if case .refused(let r) = cell { r } else { nil } }
        if refusals.contains(.final) { return .refused(.final) }
        return .refused(refusals.contains(.invalidTransition) ? .invalidTransition : .forbidden)
    }
}
