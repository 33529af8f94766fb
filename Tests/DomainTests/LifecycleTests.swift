import Foundation
import SopzContract
import Testing

@testable import SopzDomain

/// The lifecycle table, cell by cell: every status × action × role is generated from
/// `Lifecycle`, and the decision the dispatcher makes for it must say what the cell says.
@Suite struct LifecycleTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let owner = User(id: "client-1", name: "Ada", roles: [.client])
    static let administrator = User(id: "admin-1", name: "Ann", roles: [.administrator])
    static let manager = User(id: "manager-1", name: "Max", roles: [.manager])
    /// Who the manager assigns to in the cells of `assign`: available, with room.
    static let other = AssignmentPool.Member(
        id: "admin-2", name: "Bill", available: true, load: 0, lastAssignedAt: nil, lastSeenAt: now)

    struct Case: CustomStringConvertible, Sendable {
        let status: TicketStatus
        let action: Lifecycle.Action
        let actor: Lifecycle.Actor
        var description: String { "\(action) by \(actor) on \(status.rawValue)" }
    }

    /// Every cell a command can reach (the system acts only through assignment, tested below).
    static let cases: [Case] = TicketStatus.allCases.flatMap { status in
        Lifecycle.Action.all.flatMap { action in
            [Lifecycle.Actor.owner, .administrator, .manager].map { Case(status: status, action: action, actor: $0) }
        }
    }

    static func user(_ actor: Lifecycle.Actor) -> User {
        switch actor {
        case .owner: owner
        case .administrator: administrator
        case .manager: manager
        case .system: User(id: "system", name: "System", roles: [])
        }
    }

    static func command(_ action: Lifecycle.Action) -> TicketCommand {
        switch action {
        case .cancel: .cancel(Cancellation(reason: "not needed"))
        case .setStatus(let status): .changeStatus(StatusChange(status: status, comment: "moving on"))
        case .confirm: .confirm(Confirmation())
        case .reopen: .reopen(Reopening(reason: "still broken"))
        case .assign: .assign(AssigneeChange(administratorId: other.id))
        case .unassign: .assign(AssigneeChange(administratorId: nil))
        case .postMessage: .postMessage(NewMessage(body: "Hello <b>there</b>"))
        }
    }

    /// A ticket in `status`, held by the administrator wherever a status implies an assignee.
    static func ticket(_ status: TicketStatus) -> Ticket {
        Ticket(
            id: TicketID(UUID()), ownerID: owner.id, ownerName: owner.name, title: "Printer", description: "Jams",
            category: nil, refund: nil, status: status, assigneeID: status == .new ? nil : administrator.id,
            createdAt: now, updatedAt: now, version: 3)
    }

    static func decide(_ cell: Case) -> (ticket: Ticket, decision: TicketDecision) {
        let ticket = ticket(cell.status)
        let pool = AssignmentPool(
            capacity: 5,
            members: [
                other,
                .init(
                    id: administrator.id, name: "Ann", available: false, load: 1, lastAssignedAt: now, lastSeenAt: now),
            ])
        let context = DecisionContext(now: now, tickets: [ticket.id: ticket], pool: pool)
        let envelope = CommandEnvelope(
            commandID: CommandID(UUID()), issuedAt: now, issuer: user(cell.actor), ticketID: ticket.id,
            command: command(cell.action))
        return (ticket, TicketRules.decide(envelope, in: context))
    }

    @Test(arguments: cases) func theDecisionIsWhatTheCellSays(_ cell: Case) {
        let (ticket, decision) = Self.decide(cell)
        let expected = Lifecycle.cell(cell.status, cell.action, by: cell.actor)
        switch (expected, decision) {
        case (.moves, .accept(let accepted)), (.stays, .accept(let accepted)):
            let want: TicketStatus = if case .moves(let to) = expected { to } else { cell.status }
            // The command's own events (the system may assign a ticket handed back straight after).
            let own = accepted.events.filter { $0.actorID != TicketEvent.systemActor }
            #expect(Ticket.replay(own, from: ticket)?.status == want, "\(cell)")
            #expect(own.map(\.version) == Array((ticket.version + 1)...(ticket.version + own.count)), "\(cell)")
        case (.refused(let refusal), .reject(let rejection)):
            #expect(
                rejection.code == WorkTicket.rejection(refusal, action: cell.action, ticket: ticket).code, "\(cell)")
        default:
            Issue.record("\(cell): the table says \(expected), the decision was \(decision)")
        }
    }

    @Test func closedAndCancelledAreFinalAndNothingElseIs() {
        #expect(Set(TicketStatus.allCases.filter(\.isFinal)) == [.closed, .cancelled])
        for status in [TicketStatus.closed, .cancelled] {
            for action in Lifecycle.Action.all {
                for actor in Lifecycle.Actor.allCases {
                    #expect(Lifecycle.cell(status, action, by: actor) == .refused(.final))
                }
            }
        }
    }

    /// A cancelled ticket is never reported as resolved: its event is `cancelled`, only a move to
    /// `resolved` is `resolved`.
    @Test(arguments: cases.filter { Lifecycle.cell($0.status, $0.action, by: $0.actor) != .stays })
    func onlyAResolutionIsReportedAsResolved(_ cell: Case) {
        guard case .accept(let accepted) = Self.decide(cell).decision else { return }
        for event in accepted.events {
            let name = EventCatalogue.name(of: event.change)
            switch event.change {
            case .resolved(let move): #expect(move.to == .resolved && name == "resolved")
            case .cancelled(let move): #expect(move.to == .cancelled && name == "cancelled")
            case .statusChanged(let move): #expect(move.to != .resolved && move.to != .cancelled)
            default: break
            }
        }
    }

    @Test func clientsCancelOnlyBeforeResolution() {
        #expect(
            Set(TicketStatus.allCases.filter(\.isCancellable)) == [.new, .assigned, .inProgress, .waitingForClient])
    }

    /// Every rule's statuses and actors are ones that exist, and no two rules claim one cell.
    @Test func noCellIsDeclaredTwice() {
        for status in TicketStatus.allCases {
            for action in Lifecycle.Action.all {
                for actor in Lifecycle.Actor.allCases {
                    let claiming = Lifecycle.rules.filter {
                        $0.action == action && $0.actors.contains(actor) && $0.from.contains(status)
                    }
                    #expect(claiming.count <= 1, "\(action) by \(actor) on \(status)")
                }
            }
        }
    }
}

extension Ticket {
    /// `ticket` after `events`.
    static func replay(_ events: [TicketEvent], from ticket: Ticket) -> Ticket? {
        events.reduce(Optional(ticket)) { $0.applying($1) }
    }
}
