import Foundation
import SopzDomain
import SopzPorts
import SopzTestSupport
import Testing

@testable import SopzProcessing

/// The processing layer over an in-memory store: the rules it is given decide, the store's state
/// after a batch is the plan's, and timestamps are kept to the millisecond.
@Suite struct CommandApplierTests {
    @Test func aBatchIsDecidedByTheRulesAndWrittenByTheStore() async throws {
        let model = InMemoryWriteModel()
        var applier = CommandApplier(store: model, rules: TicketRules.decide)
        applier.clock = { Date(timeIntervalSince1970: 1_800_000_000.123_456) }
        let first = Samples.create()
        let again = Samples.create(title: "Takeover", by: Samples.otherClient, ticketID: first.ticketID!)
        let outcomes = try await applier.apply(batch: [first, again, first])
        guard case .applied(let ticket?) = outcomes[0], case .rejected(let conflict) = outcomes[1] else {
            Issue.record("unexpected outcomes \(outcomes)")
            return
        }
        #expect(conflict.code == .conflict)
        #expect(outcomes[2] == .duplicate)
        #expect(ticket.createdAt == Date(timeIntervalSince1970: 1_800_000_000.123))
        #expect(try await model.ticket(first.ticketID!) == ticket)
        #expect(model.events.map(\.commandID) == [first.commandID])
        let records = try await model.finishedCommands([first.commandID, again.commandID])
        #expect(records[again.commandID]?.record.status == .rejected)
        #expect(try await applier.apply(first) == .duplicate)
    }

    @Test func theRulesItIsGivenAreTheOnesThatDecide() async throws {
        let model = InMemoryWriteModel()
        let applier = CommandApplier(store: model) { _, _ in .retryLater(reason: "not yet") }
        let envelope = Samples.create()
        #expect(try await applier.apply(envelope) == .retryLater(reason: "not yet"))
        #expect(try await model.finishedCommands([envelope.commandID]).isEmpty)  // its record was withdrawn
        #expect(try await applier.apply(batch: []) == [])
    }
}
