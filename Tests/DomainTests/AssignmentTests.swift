import Foundation
import SopzContract
import Testing

@testable import SopzDomain

/// Assignment by workload, the backlog and a manager's reassignment, decided without I/O.
@Suite struct AssignmentTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let client = User(id: "client-1", name: "Ada", roles: [.client])
    static let manager = User(id: "manager-1", name: "Max", roles: [.manager])

    static func member(
        _ id: String, load: Int = 0, available: Bool = true, lastAssigned: TimeInterval? = nil
    )
        -> AssignmentPool.Member
    {
        .init(
            id: id, name: id.uppercased(), available: available, load: load,
            lastAssignedAt: lastAssigned.map { now.addingTimeInterval($0) }, lastSeenAt: now)
    }

    static func envelope(
        _ command: TicketCommand, by issuer: User, ticket: TicketID? = nil, at: Date = now
    )
        -> CommandEnvelope
    {
        let id = UUID()
        let ticketID: TicketID? =
            if case .create = command { TicketID(DerivedID.uuid(from: id, label: "ticket")) } else { ticket }
        return CommandEnvelope(
            commandID: CommandID(id), issuedAt: at, issuer: issuer, ticketID: ticketID, command: command)
    }

    static func create() -> CommandEnvelope {
        envelope(.create(NewTicket(title: "Printer", description: "Jams")), by: client)
    }

    /// Decides `envelopes` in order as a batch does, returning the final context and the decisions.
    static func run(_ envelopes: [CommandEnvelope], in context: DecisionContext) -> (DecisionContext, [TicketDecision])
    {
        var context = context
        var decisions: [TicketDecision] = []
        for envelope in envelopes {
            let decision = TicketRules.decide(envelope, in: context)
            if case .accept(let accepted) = decision { context.apply(accepted) }
            decisions.append(decision)
        }
        return (context, decisions)
    }

    static func context(capacity: Int = 3, _ members: AssignmentPool.Member...) -> DecisionContext {
        DecisionContext(now: now, tickets: [:], pool: AssignmentPool(capacity: capacity, members: members))
    }

    @Test func aNewTicketGoesToTheLeastLoadedAvailableAdministrator() throws {
        let start = Self.context(
            Self.member("ann", load: 2), Self.member("bill", load: 1), Self.member("cleo", available: false))
        let (context, decisions) = Self.run([Self.create()], in: start)
        guard case .accept(let accepted) = decisions[0] else { throw Unexpected(decisions) }
        #expect(accepted.tickets.map(\.assigneeID) == ["bill"])
        #expect(accepted.tickets.map(\.status) == [.assigned])
        #expect(accepted.events.map { EventCatalogue.name(of: $0.change) } == ["created", "assigned"])
        #expect(accepted.events.map(\.actorID) == ["client-1", "system"])
        #expect(accepted.events.map(\.version) == [1, 2])
        guard case .assigned(let assignment) = accepted.events[1].change else { throw Unexpected(decisions) }
        #expect(assignment.decidedBy == .system)
        #expect(assignment.reason == .workload)
        #expect(context.pool.member("bill")?.load == 2)
        #expect(context.pool.member("bill")?.lastAssignedAt == Self.now)
        #expect(Ticket.replay(accepted.events) == accepted.tickets[0])
    }

    @Test func tiesGoToWhoseLastAssignmentIsOldestAndNeverComesFirst() {
        let pool = AssignmentPool(
            capacity: 5,
            members: [
                Self.member("a", load: 1, lastAssigned: -10), Self.member("b", load: 1, lastAssigned: -20),
                Self.member("c", load: 1), Self.member("d", load: 0, available: false),
            ])
        #expect(pool.nextAssignee()?.id == "c")
        let pool2 = AssignmentPool(
            capacity: 5,
            members: [Self.member("a", load: 1, lastAssigned: -10), Self.member("b", load: 1, lastAssigned: -20)])
        #expect(pool2.nextAssignee()?.id == "b")
    }

    @Test func loadsStayWithinOneOfEachOtherAndNobodyPassesTheCap() {
        let members = (0..<10).map { Self.member("admin-\($0)") }
        let start = DecisionContext(now: Self.now, tickets: [:], pool: AssignmentPool(capacity: 20, members: members))
        let (context, _) = Self.run((0..<150).map { _ in Self.create() }, in: start)
        let loads = context.pool.all.map(\.load)
        #expect(loads.max()! - loads.min()! <= 1)
        #expect(loads.reduce(0, +) == 150)
        let (full, _) = Self.run((0..<60).map { _ in Self.create() }, in: context)
        #expect(full.pool.all.allSatisfy { $0.load == 20 })
        #expect(full.backlog.count == 10)
    }

    @Test func whenEveryoneIsFullTicketsWaitAndFreedCapacityTakesTheOldestFirst() throws {
        let start = Self.context(capacity: 1, Self.member("ann"))
        let creates = (0..<3).map { _ in Self.create() }
        var (context, _) = Self.run(creates, in: start)
        let ids = creates.map { $0.ticketID! }
        #expect(context.ticket(ids[0])?.assigneeID == "ann")
        let waiting = [ids[1], ids[2]]
        #expect(context.backlog.all == waiting)
        // Ann resolves her ticket: the oldest waiting one is hers at once, for the backlog.
        let resolve = Self.envelope(
            .changeStatus(StatusChange(status: .resolved)), by: User(id: "ann", name: "Ann", roles: [.administrator]),
            ticket: ids[0])
        let decisions: [TicketDecision]
        (context, decisions) = Self.run([resolve], in: context)
        guard case .accept(let accepted) = decisions[0] else { throw Unexpected(decisions) }
        #expect(accepted.events.map { EventCatalogue.name(of: $0.change) } == ["resolved", "assigned"])
        guard case .assigned(let assignment) = accepted.events[1].change else { throw Unexpected(decisions) }
        #expect(assignment.reason == .backlog)
        #expect(assignment.ticketId == waiting[0])
        #expect(context.backlog.all == [waiting[1]])
        #expect(context.pool.member("ann")?.load == 1)
    }

    @Test func anAdministratorWhoBecomesAvailableOrSignsInTakesTheBacklog() throws {
        let ann = User(id: "ann", name: "Ann", roles: [.administrator])
        let bill = User(id: "bill", name: "Bill", roles: [.administrator])
        let start = Self.context(capacity: 2, Self.member("ann", available: false))
        let creates = (0..<3).map { _ in Self.create() }
        var (context, _) = Self.run(creates, in: start)
        // Opened in the same millisecond, they wait in the order they were opened.
        let waiting = creates.map { $0.ticketID! }
        #expect(context.backlog.all == waiting)
        (context, _) = Self.run([Self.envelope(.setAvailability(Availability(available: true)), by: ann)], in: context)
        #expect(context.backlog.all == [waiting[2]])
        #expect(context.pool.member("ann")?.load == 2)
        let decisions: [TicketDecision]
        (context, decisions) = Self.run([Self.envelope(.registerAdministrator, by: bill)], in: context)
        #expect(context.backlog.isEmpty)
        #expect(context.ticket(waiting[2])?.assigneeID == "bill")
        guard case .accept(let accepted) = decisions[0] else { throw Unexpected(decisions) }
        #expect(accepted.administrators.map(\.id) == ["bill"])
        #expect(accepted.events.allSatisfy { $0.actorID == TicketEvent.systemActor })
    }

    @Test func unavailableAdministratorsKeepTheirTicketsButGetNoNewOnes() {
        let ann = User(id: "ann", name: "Ann", roles: [.administrator])
        let start = Self.context(Self.member("ann"), Self.member("bill", load: 2))
        let first = Self.create()
        var (context, _) = Self.run([first], in: start)
        #expect(context.ticket(first.ticketID)?.assigneeID == "ann")
        (context, _) = Self.run([Self.envelope(.setAvailability(Availability(available: false)), by: ann)], in: context)
        let second = Self.create()
        (context, _) = Self.run([second], in: context)
        #expect(context.ticket(first.ticketID)?.assigneeID == "ann")
        #expect(context.ticket(second.ticketID)?.assigneeID == "bill")
    }

    @Test func aManagerReassignsWithAnAuditTrailAndOnlyPassesTheCapWhenAsked() throws {
        let start = Self.context(capacity: 1, Self.member("ann"), Self.member("bill"))
        let first = Self.create()
        var (context, _) = Self.run([first, Self.create()], in: start)
        let id = try #require(first.ticketID)
        let holder = try #require(context.ticket(id)?.assigneeID)
        let target = holder == "ann" ? "bill" : "ann"
        let move = Self.envelope(
            .assign(AssigneeChange(administratorId: target, reason: "holiday")), by: Self.manager, ticket: id)
        var decisions: [TicketDecision]
        (context, decisions) = Self.run([move], in: context)
        #expect(decisions[0].rejectionCode == .administratorAtCapacity)
        let forced = Self.envelope(
            .assign(AssigneeChange(administratorId: target, reason: "holiday", overCapacity: true)), by: Self.manager,
            ticket: id)
        (context, decisions) = Self.run([forced], in: context)
        guard case .accept(let accepted) = decisions[0], case .assigned(let audit) = accepted.events[0].change else {
            throw Unexpected(decisions)
        }
        #expect(accepted.events[0].actorID == Self.manager.id)
        #expect(audit.previousAdministratorId == holder)
        #expect(audit.administratorId == target)
        #expect(audit.decidedBy == .manager)
        #expect(audit.reason == .manual)
        #expect(audit.comment == "holiday")
        #expect(context.pool.member(target)?.load == 2)
        #expect(context.pool.member(holder)?.load == 0)
    }

    @Test func aManagerCannotAssignToSomeoneUnknownUnavailableOrWhoHasItAlready() throws {
        let start = Self.context(Self.member("ann"), Self.member("bill", available: false))
        let first = Self.create()
        let (context, _) = Self.run([first], in: start)
        let id = try #require(first.ticketID)
        func assign(_ admin: String) -> TicketDecision {
            TicketRules.decide(
                Self.envelope(.assign(AssigneeChange(administratorId: admin)), by: Self.manager, ticket: id),
                in: context)
        }
        #expect(assign("nobody").rejectionCode == .invalidInput)
        #expect(assign("bill").rejectionCode == .administratorUnavailable)
        #expect(assign("ann").rejectionCode == .conflict)
    }

    /// A sign-in may take a backlog of thousands in one command: every one is assigned, oldest
    /// first (taking the first of the backlog is O(1), so this stays quick however long it is).
    @Test func aLongBacklogIsTakenOldestFirstInOneCommand() throws {
        let creates = (0..<20_000).map { index in
            Self.envelope(
                .create(NewTicket(title: "Printer", description: "Jams")), by: Self.client,
                at: Self.now.addingTimeInterval(Double(index)))
        }
        let (waiting, _) = Self.run(creates, in: Self.context(capacity: 100_000))
        #expect(waiting.backlog.count == 20_000)
        let bill = User(id: "bill", name: "Bill", roles: [.administrator])
        let (context, decisions) = Self.run([Self.envelope(.registerAdministrator, by: bill)], in: waiting)
        guard case .accept(let accepted) = decisions[0] else { throw Unexpected(decisions) }
        #expect(context.backlog.isEmpty)
        #expect(context.pool.member("bill")?.load == 20_000)
        #expect(accepted.tickets.count == 20_000)
        #expect(accepted.events.map(\.ticketID) == creates.map { $0.ticketID! })
    }

    /// Cancelled while waiting, a ticket leaves the backlog from the middle; handed back, one
    /// goes among those opened at its time, not last.
    @Test func theBacklogKeepsTheOrderOfOpening() throws {
        var backlog = Backlog()
        let ids = (0..<5).map { _ in TicketID(UUID()) }
        let opened = Dictionary(
            uniqueKeysWithValues: ids.enumerated().map { ($1, Self.now.addingTimeInterval(Double($0))) })
        for id in [ids[0], ids[1], ids[3], ids[4]] { backlog.insert(id, openedAt: opened[id]!) { opened[$0]! } }
        backlog.insert(ids[2], openedAt: opened[ids[2]]!) { opened[$0]! }
        #expect(backlog.all == ids)
        backlog.insert(ids[2], openedAt: opened[ids[2]]!) { opened[$0]! }
        #expect(backlog.count == 5)
        backlog.remove(ids[0])
        backlog.remove(ids[3])
        backlog.remove(ids[3])
        #expect(backlog.all == [ids[1], ids[2], ids[4]])
        #expect(backlog.first == ids[1])
        #expect(!backlog.contains(ids[3]))
        for _ in 0..<3 { backlog.remove(backlog.first!) }
        #expect(backlog.isEmpty && backlog.first == nil)
    }

    @Test func handingATicketBackPutsItInTheBacklogForTheSystemToAssign() throws {
        let start = Self.context(capacity: 1, Self.member("ann"))
        let first = Self.create()
        var (context, _) = Self.run([first], in: start)
        let id = try #require(first.ticketID)
        let back = Self.envelope(
            .assign(AssigneeChange(administratorId: nil, reason: "wrong team")), by: Self.manager, ticket: id)
        let decisions: [TicketDecision]
        (context, decisions) = Self.run([back], in: context)
        guard case .accept(let accepted) = decisions[0] else { throw Unexpected(decisions) }
        #expect(accepted.events.map { EventCatalogue.name(of: $0.change) } == ["unassigned", "assigned"])
        guard case .unassigned(let audit) = accepted.events[0].change else { throw Unexpected(decisions) }
        #expect(audit.previousAdministratorId == "ann")
        #expect(audit.decidedBy == .manager)
        #expect(context.ticket(id)?.status == .assigned)
    }
}

struct Unexpected: Error, CustomStringConvertible {
    let decisions: [TicketDecision]
    init(_ decisions: [TicketDecision]) { self.decisions = decisions }
    var description: String { "unexpected decisions: \(decisions)" }
}

extension TicketDecision {
    /// The code of a rejection (the detail is prose); nil for any other decision.
    var rejectionCode: TicketRejection.Code? {
        if case .reject(let rejection) = self { rejection.code } else { nil }
    }
}
