import Foundation
import SopzContract
import Testing

@testable import SopzDomain

/// The refund saga as the dispatcher decides it, without I/O: a resolution starts it instead of
/// resolving, replies move it on, its end resolves the ticket or brings it back with a system
/// message, and a running refund holds the ticket's status.
struct RefundSagaTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let ann = User(id: "admin-1", name: "Ann", roles: [.administrator])
    static let refund = RefundRequest(orderId: "A-17", amount: Decimal(string: "12.50")!, currency: "EUR")
    static let ticket = Ticket(
        id: TicketID(UUID()), ownerID: "client-1", ownerName: "Ada", title: "Refund", description: "Twice",
        category: "refund", refund: refund, status: .inProgress, assigneeID: ann.id, createdAt: now, updatedAt: now,
        version: 3)

    /// A batch's worth of state: the ticket and its saga, moved on by each accepted decision.
    struct Run {
        var context = DecisionContext(
            now: RefundSagaTests.now, tickets: [RefundSagaTests.ticket.id: RefundSagaTests.ticket])

        var ticket: Ticket { context.tickets[RefundSagaTests.ticket.id]! }
        var saga: TicketSaga? { context.sagas[RefundSagaTests.ticket.id] }

        mutating func decide(
            _ command: TicketCommand, by issuer: User = RefundSagaTests.ann, at: TimeInterval = 0
        )
            -> TicketDecision
        {
            let envelope = CommandEnvelope(
                commandID: CommandID(UUID()), issuedAt: RefundSagaTests.now, issuer: issuer,
                ticketID: RefundSagaTests.ticket.id, command: command)
            var context = context
            if at != 0 {
                context = DecisionContext(
                    now: RefundSagaTests.now.addingTimeInterval(at), tickets: context.tickets,
                    sagas: context.sagas)
            }
            let decision = TicketRules.decide(envelope, in: context)
            if case .accept(let accepted) = decision { self.context.apply(accepted) }
            return decision
        }

        /// Answers the request the saga awaits.
        mutating func answer(_ outcome: SagaReply.Outcome) -> TicketDecision {
            let reply = SagaReply(
                sagaID: saga!.id, requestID: SagaMachine.awaitedRequest(saga!.state)!, outcome: outcome)
            return decide(.saga(.reply(reply)), by: SagaReplyMessage.issuer)
        }
    }

    static func requests(_ decision: TicketDecision) -> [String] {
        guard case .accept(let accepted) = decision else { return [] }
        return accepted.effects.map { if case .integration(let request) = $0 { request.routingKey } else { "" } }
    }

    static func changes(_ decision: TicketDecision) -> [TicketChange] {
        guard case .accept(let accepted) = decision else { return [] }
        return accepted.events.map(\.change)
    }

    @Test func aResolutionStartsTheSagaAndItsSuccessResolvesWithTheReferences() throws {
        var run = Run()
        let started = run.decide(.changeStatus(StatusChange(status: .resolved, comment: "Refunded")))
        #expect(Self.requests(started) == ["billing.refund.request"])
        #expect(run.ticket.status == .inProgress)
        guard case .messagePosted(let note) = Self.changes(started).first else {
            Issue.record("no system message")
            return
        }
        #expect(note.authorRole == .system && note.body.contains("12.5 EUR") && note.body.contains("A-17"))
        #expect(run.saga?.status == "running")
        guard case .accept(let accepted) = started, let request = accepted.effects.first,
            case .integration(let sent) = request
        else { return }
        #expect(sent.refund == Self.refund && sent.sagaID == run.saga?.id)

        #expect(Self.requests(run.answer(.succeeded(reference: "RF-1"))) == ["ledger.refund.record"])
        let done = run.answer(.succeeded(reference: "LG-1"))
        guard case .accept(let finished) = done, case .resolved(let move) = finished.events.first?.change else {
            Issue.record("not resolved: \(done)")
            return
        }
        #expect(move.comment == "Refunded" && move.from == .inProgress)
        #expect(move.refund?.reference == "RF-1" && move.refund?.ledgerReference == "LG-1")
        #expect(move.refund?.orderId == "A-17")
        #expect(finished.events.first?.actorID == Self.ann.id)  // the resolution is the administrator's
        #expect(run.ticket.status == .resolved)
        #expect(run.saga?.status == "succeeded")
    }

    @Test func aFailedSecondStepIsUndoneAndTheTicketComesBackWithTheReason() {
        var run = Run()
        _ = run.decide(.changeStatus(StatusChange(status: .resolved, comment: nil)))
        _ = run.answer(.succeeded(reference: "RF-1"))
        #expect(Self.requests(run.answer(.failed(reason: "closed period"))) == ["billing.refund.reverse"])
        #expect(run.saga?.status == "compensating")
        let undone = run.answer(.succeeded(reference: "RV-1"))
        guard case .messagePosted(let note) = Self.changes(undone).first else {
            Issue.record("no system message: \(undone)")
            return
        }
        #expect(note.body.contains("ledger.record failed: closed period"))
        #expect(run.ticket.status == .inProgress)
        #expect(run.saga?.status == "failed")
    }

    @Test func whileTheRefundRunsTheStatusHoldsButTheChatGoesOn() {
        var run = Run()
        _ = run.decide(.changeStatus(StatusChange(status: .resolved, comment: nil)))
        guard case .reject(let held) = run.decide(.changeStatus(StatusChange(status: .waitingForClient, comment: nil)))
        else {
            Issue.record("the status moved")
            return
        }
        #expect(held.code == .refundInProgress)
        guard case .accept = run.decide(.postMessage(NewMessage(body: "On its way"))) else {
            Issue.record("the chat was held")
            return
        }
    }

    @Test func lateDuplicateAndForeignRepliesChangeNothingAndTheClockFiresTimeouts() {
        var run = Run()
        _ = run.decide(.changeStatus(StatusChange(status: .resolved, comment: nil)))
        let sagaID = run.saga!.id
        let awaited = SagaMachine.awaitedRequest(run.saga!.state)!
        let foreign = SagaReply(sagaID: UUID(), requestID: awaited, outcome: .succeeded(reference: "X"))
        guard case .accept(let ignored) = run.decide(.saga(.reply(foreign)), by: SagaReplyMessage.issuer) else {
            Issue.record("a foreign reply was refused")
            return
        }
        #expect(ignored.events.isEmpty && ignored.sagas.isEmpty)
        _ = run.answer(.succeeded(reference: "RF-1"))
        // The same reply again: the saga awaits the ledger now.
        let again = SagaReply(sagaID: sagaID, requestID: awaited, outcome: .succeeded(reference: "RF-1"))
        guard case .accept(let duplicate) = run.decide(.saga(.reply(again)), by: SagaReplyMessage.issuer) else {
            Issue.record("a duplicate was refused")
            return
        }
        #expect(duplicate.events.isEmpty && duplicate.effects.isEmpty)
        // The clock before the deadline does nothing; after it, the refund is reversed.
        guard case .accept(let early) = run.decide(.saga(.tick(sagaID: sagaID)), at: 10) else { return }
        #expect(early.effects.isEmpty)
        #expect(Self.requests(run.decide(.saga(.tick(sagaID: sagaID)), at: 61)) == ["billing.refund.reverse"])
    }

    @Test func sagasTravelAndKeepTheirTimeouts() throws {
        let catalogue = SagaCatalogue(stepTimeout: 2)
        #expect(catalogue.refund.steps.map(\.timeout) == [2, 2])
        #expect(catalogue.refund.steps.map(\.name) == SagaDefinition.refund.steps.map(\.name))
        let (state, _) = SagaMachine.start(catalogue.refund, id: UUID(), at: Self.now)
        let saga = TicketSaga(
            state: state, ticketID: Self.ticket.id, requestedBy: "admin-1", comment: "c", startedAt: Self.now,
            updatedAt: Self.now)
        let decoded = try JSONCoding.decoder().decode(TicketSaga.self, from: try JSONCoding.encoder().encode(saga))
        #expect(decoded == saga)
        let reply = SagaReply(sagaID: UUID(), requestID: UUID(), outcome: .failed(reason: "no"))
        let envelope = CommandEnvelope(
            commandID: CommandID(UUID()), issuedAt: Self.now, issuer: SagaReplyMessage.issuer, ticketID: Self.ticket.id,
            command: .saga(.reply(reply)))
        let travelled = try JSONCoding.decoder().decode(
            CommandEnvelope.self, from: try JSONCoding.encoder().encode(envelope))
        #expect(travelled == envelope)
        // As another system publishes it: the same reply twice is one command.
        let published = Data(
            #"{"sagaId":"\#(reply.sagaID)","requestId":"\#(reply.requestID)","ticketId":"\#(Self.ticket.id)","outcome":"failed","reason":"no"}"#
                .utf8)
        let message = try JSONCoding.decoder().decode(SagaReplyMessage.self, from: published)
        #expect(message.reply == reply)
        #expect(message.envelope(receivedAt: Self.now).commandID == message.envelope(receivedAt: Self.now).commandID)
        #expect(throws: DecodingError.self) {
            try JSONCoding.decoder().decode(
                SagaReplyMessage.self,
                from: Data(
                    #"{"sagaId":"\#(reply.sagaID)","requestId":"\#(reply.requestID)","ticketId":"\#(Self.ticket.id)","outcome":"maybe"}"#
                        .utf8))
        }
    }
}
