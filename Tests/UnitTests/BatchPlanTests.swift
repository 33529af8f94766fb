import Foundation
import SopzDomain
import SopzTestSupport
import Testing

@testable import SopzProcessing

/// The decisions of a batch, without a database: each command judged in order against what the
/// earlier ones left, and the net writes of the whole batch.
struct BatchPlanTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let client = User(id: "c", name: "C", roles: [.client])

    static func create(ticket: TicketID = TicketID(UUID()), title: String = "Printer jams") -> CommandEnvelope {
        Samples.create(title: title, ticketID: ticket, at: now)
    }

    static func plan(
        _ envelopes: [CommandEnvelope], recorded: [CommandEnvelope]? = nil, current: [Ticket] = []
    ) -> BatchPlan {
        let locked = LockedState(
            recorded: Set((recorded ?? envelopes).map(\.commandID)),
            tickets: Dictionary(uniqueKeysWithValues: current.map { ($0.id, $0) }))
        return BatchPlan(envelopes, locked: locked, now: now, rules: TicketRules.decide)
    }

    @Test func laterCommandsSeeWhatEarlierOnesDid() {
        let first = Self.create()
        let again = Self.create(ticket: first.ticketID!, title: "Takeover")
        let plan = Self.plan([first, again])
        guard case .applied(let ticket?) = plan.outcomes[0], case .rejected(let rejection) = plan.outcomes[1] else {
            Issue.record("unexpected outcomes \(plan.outcomes)")
            return
        }
        #expect(ticket.title == "Printer jams")
        #expect(rejection.code == .conflict)
        #expect(plan.tickets == [ticket])
        #expect(plan.events.map(\.commandID) == [first.commandID])
        #expect(plan.rejections.map(\.0) == [again.commandID])
    }

    @Test func storedTicketsAreJudgedAsStored() {
        let stored = Samples.ticket(owner: Samples.otherClient)
        let plan = Self.plan([Self.create(ticket: stored.id)], current: [stored])
        #expect(plan.outcomes.map(\.code) == ["rejected"])
        #expect(plan.tickets.isEmpty)
        #expect(!plan.writesNothing)
    }

    @Test func commandsSeenBeforeOrTwiceInTheBatchChangeNothing() {
        let old = Self.create()
        let new = Self.create()
        let plan = Self.plan([old, new, new], recorded: [new])
        #expect(plan.outcomes.map(\.code) == ["duplicate", "applied", "duplicate"])
        #expect(plan.events.count == 1)
        #expect(Self.plan([old], recorded: []).writesNothing)
    }

    @Test func aCommandToRetryHasItsRecordWithdrawn() {
        let early = Self.create()
        let plan = BatchPlan(
            [early], locked: LockedState(recorded: [early.commandID], tickets: [:]), now: Self.now,
            rules: { _, _ in .retryLater(reason: "not yet") })
        #expect(plan.outcomes == [.retryLater(reason: "not yet")])
        #expect(plan.withdrawn == [early.commandID])
    }

    /// Once each, in the order they were opened: the store gives new rows their place in the
    /// backlog in this order.
    @Test func ticketsAreWrittenOnceInTheOrderTheyWereOpened() {
        let commands = (0..<20).map { _ in Self.create() }
        let plan = Self.plan(commands + [Self.create(ticket: commands[3].ticketID!, title: "again")])
        let ids = plan.tickets.map(\.id)
        #expect(ids == commands.map(\.ticketID!))
        #expect(plan.events.map(\.commandID) == commands.map(\.commandID))
    }

    @Test func theBacklogBoundCountsFreedPlacesAndEachJoiningAdministratorOnce() {
        let ann = User(id: "ann", name: "Ann", roles: [.administrator])
        let bob = User(id: "bob", name: "Bob", roles: [.administrator])
        func command(_ command: TicketCommand, by user: User, ticket: TicketID? = TicketID(UUID())) -> CommandEnvelope {
            CommandEnvelope(
                commandID: CommandID(UUID()), issuedAt: Self.now, issuer: user, ticketID: ticket, command: command)
        }
        let batch = [
            Self.create(),
            command(.registerAdministrator, by: ann, ticket: nil),
            command(.changeStatus(StatusChange(status: .resolved)), by: ann),
            command(.setAvailability(Availability(available: true)), by: bob, ticket: nil),
            command(.setAvailability(Availability(available: false)), by: ann, ticket: nil),
            command(.cancel(Cancellation(reason: nil)), by: Self.client),
        ]
        #expect(BacklogBound.freedPlaces(by: batch) == 2)
        #expect(BacklogBound.joiningAdministrators(in: batch) == ["ann", "bob"])
        #expect(BacklogBound.freedPlaces(by: [Self.create()]) == 0)
        #expect(BacklogBound.joiningAdministrators(in: [Self.create()]).isEmpty)
    }
}

extension ApplyOutcome {
    /// The outcome's kind, for compact expectations.
    fileprivate var code: String {
        switch self {
        case .applied: "applied"
        case .duplicate: "duplicate"
        case .rejected: "rejected"
        case .retryLater: "retry"
        }
    }

}
