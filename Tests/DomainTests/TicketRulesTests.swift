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
