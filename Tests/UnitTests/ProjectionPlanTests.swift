import Foundation

import Testing

@testable import SopzDomain
@testable import SopzProcessing

/// The projector's decisions without a database: views moved on in version order, what a view
/// has already left out, and a gap refused rather than skipped.
struct ProjectionPlanTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let ticket = Ticket(
        id: TicketID(UUID()), ownerID: "client-1", ownerName: "Ada", title: "Printer", description: "Jams",
        category: nil, refund: nil, status: .new, assigneeID: nil, createdAt: now, updatedAt: now, version: 1)

    static func event(_ version: Int, _ change: TicketChange, ticket: TicketID = ticket.id) -> TicketEvent {
        TicketEvent(
            id: UUID(), ticketID: ticket, version: version, occurredAt: now.addingTimeInterval(Double(version)),
            actorID: "ann", commandID: CommandID(UUID()), change: change)
    }

    static let life: [TicketEvent] = [
        event(1, .created(ticket)),
        event(
            2,
            .assigned(
                Assignment(
                    ticketId: ticket.id, administratorId: "ann", previousAdministratorId: nil, decidedBy: .system,
                    reason: .workload, comment: nil, status: .assigned))),
        event(
            3,
            .messagePosted(
                Message(
                    messageId: UUID(), ticketId: ticket.id, authorId: "client-1", authorName: "Ada",
                    authorRole: .client, body: "<b>Tray 2</b>", postedAt: now))),
        event(4, .resolved(StatusTransition(ticketId: ticket.id, from: .assigned, to: .resolved, comment: nil))),
    ]

    @Test func eventsMoveTheViewOnAndAreKeptAsHistoryAndChat() throws {
        let plan = try ProjectionPlan(Self.life, views: [:])
        #expect(plan.tickets == [Ticket.replay(Self.life)!])
        #expect(plan.tickets.first?.status == .resolved)
        #expect(plan.tickets.first?.assigneeID == "ann")
        #expect(plan.history == Self.life)
        #expect(plan.messages.map(\.version) == [3])
        #expect(plan.messages.first?.message.body == "<b>Tray 2</b>")
        #expect(plan.alreadyApplied == 0)
    }

    @Test func whatAViewHasAlreadyIsLeftOut() throws {
        let stored = Ticket.replay(Array(Self.life.prefix(3)))!
        let plan = try ProjectionPlan(Self.life, views: [stored.id: stored])
        #expect(plan.alreadyApplied == 3)
        #expect(plan.history == [Self.life[3]])
        #expect(plan.messages.isEmpty)
        let again = try ProjectionPlan(Self.life, views: [stored.id: Ticket.replay(Self.life)!])
        #expect(again.tickets.isEmpty && again.history.isEmpty && again.alreadyApplied == 4)
    }

    @Test func aGapIsRefusedNotSkipped() {
        #expect(throws: ProjectionGap(ticketID: Self.ticket.id, expectedVersion: 2, found: 3)) {
            try ProjectionPlan([Self.life[0], Self.life[2]], views: [:])
        }
        // An event before the ticket's creation is a gap too.
        #expect(throws: ProjectionGap(ticketID: Self.ticket.id, expectedVersion: 1, found: 2)) {
            try ProjectionPlan([Self.life[1]], views: [:])
        }
    }
}
