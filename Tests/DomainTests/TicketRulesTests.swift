import Foundation
import SopzContract
import Testing

@testable import SopzDomain

@Suite struct TicketRulesTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let client = User(id: "client-1", name: "Ada", roles: [.client])
    let admin = User(id: "admin-1", name: "Bob", roles: [.administrator])

    func context(_ tickets: Ticket...) -> DecisionContext {
        DecisionContext(now: now, tickets: Dictionary(uniqueKeysWithValues: tickets.map { ($0.id, $0) }))
    }

    /// The command's events and its ticket, when it was accepted.
    func accepted(_ decision: TicketDecision) -> (events: [TicketEvent], ticket: Ticket)? {
        guard case .accept(let accepted) = decision, accepted.tickets.count == 1 else { return nil }
        #expect(accepted.effects.isEmpty)
        return (accepted.events, accepted.tickets[0])
    }

    func envelope(_ command: TicketCommand, by issuer: User, commandID: UUID = UUID()) -> CommandEnvelope {
        CommandEnvelope(
            commandID: CommandID(commandID), issuedAt: now, issuer: issuer,
            ticketID: TicketID(DerivedID.uuid(from: commandID, label: "ticket")), command: command)
    }

    @Test func aClientOpensANewUnassignedTicket() throws {
        let command = envelope(.create(NewTicket(title: "Printer", description: "It jams", category: "hw")), by: client)
        guard let (events, ticket) = accepted(TicketRules.decide(command, in: context())) else {
            Issue.record("expected the ticket to be created")
            return
        }
        #expect(ticket.status == .new)
        #expect(ticket.ownerID == "client-1")
        #expect(ticket.ownerName == "Ada")
        #expect(ticket.assigneeID == nil)
        #expect(ticket.version == 1)
        #expect(ticket.createdAt == now)
        #expect(events.count == 1)
        #expect(EventCatalogue.name(of: events[0].change) == "created")
        #expect(events[0].version == 1)
        #expect(Ticket.replay(events) == ticket)
    }

    /// Retention took the ticket out of the write model: nothing may change it, and no create may
    /// take its id again (a reused Idempotency-Key long after).
    @Test func anArchivedTicketTakesNoCommandAndItsIDIsNeverTakenAgain() {
        let id = UUID()
        let create = envelope(.create(NewTicket(title: "A", description: "B")), by: client, commandID: id)
        let archived = DecisionContext(now: now, tickets: [:], archived: [create.ticketID!])
        #expect(TicketRules.decide(create, in: archived) == .reject(.archived))
        let cancel = CommandEnvelope(
            commandID: CommandID(UUID()), issuedAt: now, issuer: client, ticketID: create.ticketID,
            command: .cancel(Cancellation(reason: nil)))
        #expect(TicketRules.decide(cancel, in: archived) == .reject(.archived))
        #expect(TicketRejection.archived.code.rawValue == "ticket-archived")
        if case .reject = TicketRules.decide(create, in: context()) { Issue.record("a fresh id is taken") }
    }

    @Test func eventIDsAreStableAcrossRedeliveries() {
        let id = UUID()
        let command = envelope(.create(NewTicket(title: "A", description: "B")), by: client, commandID: id)
        let first = TicketRules.decide(command, in: context())
        let second = TicketRules.decide(command, in: context())
        #expect(first == second)
    }

    @Test func onlyClientsOpenTickets() {
        let command = envelope(.create(NewTicket(title: "A", description: "B")), by: admin)
        #expect(
            TicketRules.decide(command, in: context()) == .reject(.init(.forbidden, "only clients open tickets")))
    }

    @Test func anExistingTicketIsAConflict() throws {
        let command = envelope(.create(NewTicket(title: "A", description: "B")), by: client)
        guard let (_, ticket) = accepted(TicketRules.decide(command, in: context())) else {
            Issue.record("expected acceptance")
            return
        }
        guard case .reject(let rejection) = TicketRules.decide(command, in: context(ticket)) else {
            Issue.record("expected a conflict")
            return
        }
        #expect(rejection.code == .conflict)
    }

    @Test func invalidInputIsRejectedEvenWhenItCrossedTheBroker() {
        let command = envelope(.create(NewTicket(title: " ", description: "")), by: client)
        guard case .reject(let rejection) = TicketRules.decide(command, in: context()) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(rejection.code == .invalidInput)
        #expect(rejection.violations.map(\.field) == ["title", "description"])
    }
}

/// The checks every command on an existing ticket goes through, before the lifecycle.
@Suite struct WorkTicketTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let owner = User(id: "client-1", name: "Ada", roles: [.client])
    static let stranger = User(id: "client-2", name: "Ben", roles: [.client])
    static let admin = User(id: "admin-1", name: "Ann", roles: [.administrator])

    static let ticket = Ticket(
        id: TicketID(UUID()), ownerID: owner.id, ownerName: owner.name, title: "Printer", description: "Jams",
        category: nil, refund: nil, status: .waitingForClient, assigneeID: admin.id, createdAt: now, updatedAt: now,
        version: 4)

    static func decide(
        _ command: TicketCommand, by user: User, expectedVersion: Int? = nil, issued: TimeInterval = 0,
        ticketID: TicketID = ticket.id, commandID: UUID = UUID()
    ) -> TicketDecision {
        let envelope = CommandEnvelope(
            commandID: CommandID(commandID), issuedAt: now.addingTimeInterval(issued), issuer: user, ticketID: ticketID,
            command: command, expectedVersion: expectedVersion)
        return TicketRules.decide(envelope, in: DecisionContext(now: now, tickets: [ticket.id: ticket]))
    }

    static let message = TicketCommand.postMessage(NewMessage(body: "<script>alert(1)</script> still jams"))

    @Test func aStrangersCommandIsRefusedAsIfTheTicketDidNotExist() {
        #expect(Self.decide(Self.message, by: Self.stranger).rejectionCode == .notFound)
    }

    @Test func aTicketNotThereYetIsWaitedForBrieflyThenNotFound() {
        let missing = TicketID(UUID())
        guard case .retryLater = Self.decide(Self.message, by: Self.owner, ticketID: missing) else {
            Issue.record("a fresh command on a missing ticket waits for its create")
            return
        }
        #expect(Self.decide(Self.message, by: Self.owner, issued: -6, ticketID: missing).rejectionCode == .notFound)
    }

    @Test func ifMatchMustNameTheCurrentVersion() {
        #expect(Self.decide(Self.message, by: Self.owner, expectedVersion: 3).rejectionCode == .ticketChanged)
        guard case .accept = Self.decide(Self.message, by: Self.owner, expectedVersion: 4) else {
            Issue.record("the current version matches")
            return
        }
    }

    @Test func anInvalidPayloadIsRefusedByTheDispatcherToo() {
        let decision = Self.decide(.postMessage(NewMessage(body: " \n ")), by: Self.owner)
        #expect(decision.rejectionCode == .invalidInput)
        let long = Self.decide(.cancel(Cancellation(reason: String(repeating: "x", count: 2_001))), by: Self.owner)
        #expect(long.rejectionCode == .invalidInput)
    }

    /// The client answers while the ticket waits for them: their message and the move back to
    /// in progress, the body exactly as sent.
    @Test func aClientsMessageBringsAWaitingTicketBackInProgress() throws {
        let id = UUID()
        guard case .accept(let accepted) = Self.decide(Self.message, by: Self.owner, commandID: id) else {
            throw Unexpected([])
        }
        #expect(accepted.events.map { EventCatalogue.name(of: $0.change) } == ["message_posted", "status_changed"])
        guard case .messagePosted(let message) = accepted.events[0].change else { throw Unexpected([]) }
        #expect(message.body == "<script>alert(1)</script> still jams")
        #expect(message.authorRole == .client)
        #expect(message.authorName == "Ada")
        #expect(message.messageId == DerivedID.uuid(from: id, label: "message"))
        #expect(accepted.tickets.map(\.status) == [.inProgress])
        #expect(accepted.tickets.map(\.version) == [6])
        // The administrator's message leaves the status alone.
        guard case .accept(let staff) = Self.decide(Self.message, by: Self.admin) else { throw Unexpected([]) }
        #expect(staff.tickets.map(\.status) == [.waitingForClient])
        guard case .messagePosted(let answer) = staff.events[0].change else { throw Unexpected([]) }
        #expect(answer.authorRole == .administrator)
    }

    @Test func theSameCommandDecidesTheSameEventsWhenRedelivered() {
        let id = UUID()
        #expect(
            Self.decide(Self.message, by: Self.owner, commandID: id)
                == Self.decide(Self.message, by: Self.owner, commandID: id))
    }
}

@Suite struct SystemMessageTests {
    @Test func theHelpDeskWritesInTheChatAsSystemButNotOnAFinalTicket() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let ticket = WorkTicketTests.ticket
        let envelope = CommandEnvelope(
            commandID: CommandID(UUID()), issuedAt: now, issuer: WorkTicketTests.admin, ticketID: ticket.id,
            command: .changeStatus(StatusChange(status: .resolved)))
        let context = DecisionContext(now: now, tickets: [ticket.id: ticket])
        let (events, posted) = try #require(
            SystemMessage.post(
                "The refund failed: billing timed out", on: ticket, for: envelope, firstIndex: 1, in: context))
        #expect(posted.version == ticket.version + 1)
        #expect(posted.status == ticket.status)
        guard case .messagePosted(let message) = events.first?.change else { throw Unexpected([]) }
        #expect(message.authorRole == .system)
        #expect(events.first?.actorID == TicketEvent.systemActor)
        var closed = ticket
        closed.status = .closed
        #expect(SystemMessage.post("late", on: closed, for: envelope, firstIndex: 1, in: context) == nil)
    }
}
