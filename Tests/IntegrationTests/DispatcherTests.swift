import Foundation
import SopzDomain
import SopzAMQP
import SopzContract
import SopzPorts
import SopzPostgres
import SopzProcessing
import SopzRuntime
import SopzTestSupport
import Testing

@testable import Dispatcher

extension Integration {
    @Suite struct DispatcherTests {
        func envelope(
            title: String = "Printer jams", issuer: User = User(id: "client-\(UUID())", name: "C", roles: [.client]),
            ticketID: TicketID? = nil
        ) -> CommandEnvelope {
            let commandID = CommandID(UUID())
            return CommandEnvelope(
                commandID: commandID, issuedAt: Date(), issuer: issuer,
                ticketID: ticketID ?? TicketID(DerivedID.uuid(from: commandID.rawValue, label: "ticket")),
                command: .create(NewTicket(title: title, description: "d")))
        }

        func message(_ envelope: CommandEnvelope) throws -> OutgoingMessage {
            OutgoingMessage(
                exchange: Topology.commandsExchange, routingKey: envelope.command.type,
                body: Array(try JSONCoding.encoder().encode(envelope)), messageID: envelope.commandID.description,
                type: envelope.command.type)
        }

        @Test func aDuplicatedDeliveryIsAppliedOnce() async throws {
            try await TestSystem.run { system in
                let command = envelope()
                let duplicate = try message(command)
                async let first: Void = system.publisher.publish(duplicate)
                async let second: Void = system.publisher.publish(duplicate)
                _ = try await (first, second)
                try await eventually("the command is recorded") {
                    try await system.store.command(command.commandID) != nil
                }
                try await eventually("both copies are consumed") {
                    try await system.administration.messageCount(queue: Topology.dispatcherQueue) == 0
                }
                #expect(try await system.ticketCount(command.ticketID!) == 1)
                #expect(try await system.eventCount(command: command.commandID) == 1)
                let record = try #require(try await system.store.command(command.commandID))
                #expect(record.status == .done)
            }
        }

        /// Commands that did not come through the ingress (forged, or replayed with a new id) are
        /// judged again where the data lives: the ingress's checks are not the only line.
        @Test func forgedCommandsAreRejectedWhereTheDataLives() async throws {
            try await TestSystem.run { system in
                let administrator = User(id: "admin-\(UUID())", name: "A", roles: [.administrator])
                let notAClient = envelope(issuer: administrator)
                let original = envelope()
                let hijack = envelope(
                    title: "Mine now", issuer: User(id: "thief-\(UUID())", name: "T", roles: [.client]),
                    ticketID: original.ticketID!)
                try await system.publisher.publish(try message(notAClient))
                try await system.publisher.publish(try message(original))
                try await eventually("the original is applied") {
                    try await system.ticketCount(original.ticketID!) == 1
                }
                try await system.publisher.publish(try message(hijack))
                for command in [notAClient, hijack] {
                    try await eventually("the forged command is judged") {
                        try await system.store.command(command.commandID) != nil
                    }
                }
                #expect(try await system.store.command(notAClient.commandID)?.rejection?.code == .forbidden)
                #expect(try await system.ticketCount(notAClient.ticketID!) == 0)
                #expect(try await system.store.command(hijack.commandID)?.rejection?.code == .conflict)
                let ticket = try #require(try await system.store.ticket(original.ticketID!))
                #expect(ticket.ownerID == original.issuer.id)
                #expect(ticket.title == "Printer jams")
            }
        }

        /// Group commit: one transaction, each command judged in order as if alone.
        @Test func aBatchAppliesEachCommandAsIfAlone() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                let first = envelope()
                let takeover = envelope(
                    issuer: User(id: "other-\(UUID())", name: "O", roles: [.client]), ticketID: first.ticketID!)
                let invalid = envelope(title: " ")
                let early = envelope()
                let rules = system.applier { envelope, context in
                    envelope == early ? .retryLater(reason: "not yet") : TicketRules.decide(envelope, in: context)
                }
                let outcomes = try await rules.apply(batch: [first, first, takeover, invalid, early])
                #expect(outcomes.count == 5)
                guard case .applied(let ticket?) = outcomes[0] else { throw TimedOut(description: "\(outcomes[0])") }
                #expect(ticket.id == first.ticketID!)
                #expect(outcomes[1] == .duplicate)
                guard case .rejected(let conflict) = outcomes[2], case .rejected(let bad) = outcomes[3] else {
                    throw TimedOut(description: "\(outcomes)")
                }
                #expect(conflict.code == .conflict)
                #expect(bad.code == .invalidInput)
                #expect(outcomes[4] == .retryLater(reason: "not yet"))
                #expect(try await system.ticketCount(first.ticketID!) == 1)
                #expect(try await system.eventCount(command: first.commandID) == 1)
                #expect(try await system.store.command(invalid.commandID)?.status == .rejected)
                #expect(try await system.store.command(early.commandID) == nil)  // its record was taken back

                // A later batch judges stored tickets as stored (locked and loaded with the batch).
                let late = envelope(
                    issuer: User(id: "late-\(UUID())", name: "L", roles: [.client]), ticketID: first.ticketID!)
                let fresh = envelope()
                let second = try await system.applier().apply(batch: [late, fresh, first])
                guard case .rejected(let lateConflict) = second[0], case .applied = second[1] else {
                    throw TimedOut(description: "\(second)")
                }
                #expect(lateConflict.code == .conflict)
                #expect(second[2] == .duplicate)
                #expect(try await system.store.ticket(first.ticketID!)?.ownerID == first.issuer.id)
                #expect(try await system.store.ticket(fresh.ticketID!) != nil)
            }
        }

        @Test func aFailingBatchCommitsNothing() async throws {
            try await TestSystem.run(dispatcher: false) { (system: TestSystem) async throws in
                let good = envelope()
                let broken = envelope()
                let applier = system.applier { envelope, context in
                    let decision = TicketRules.decide(envelope, in: context)
                    guard envelope == broken, case .accept(var accepted) = decision else { return decision }
                    // An event numbered like one already stored: the event store refuses it.
                    let event = accepted.events[0]
                    accepted.events = [
                        TicketEvent(
                            id: event.id, ticketID: good.ticketID!, version: 1, occurredAt: context.now,
                            actorID: "x", commandID: broken.commandID, change: event.change)
                    ]
                    return .accept(accepted)
                }
                let outcomes = try? await applier.apply(batch: [good, broken])
                #expect(outcomes == nil, "the batch must fail")
                #expect(try await system.ticketCount(good.ticketID!) == 0)
                #expect(try await system.store.command(good.commandID) == nil)
            }
        }

        /// Cancelled (not stopped gracefully), a consumer closes at once instead of waiting for the
        /// deliveries it handed out; RabbitMQ requeues them, so nothing is lost.
        @Test func aCancelledConsumerClosesAtOnceAndItsDeliveriesAreRequeued() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                let queue = "sopz.test.abandoned"
                try await system.administration.declareQueue(
                    queue, boundTo: Topology.eventsExchange, bindingKey: "test.abandoned")
                _ = try await system.administration.purge(queue: queue)
                try await system.publisher.publish(
                    OutgoingMessage(
                        exchange: Topology.eventsExchange, routingKey: "test.abandoned", body: Array("x".utf8),
                        messageID: "abandoned", type: "test"))
                let consumer = AMQPConsumer(
                    configuration: system.settings.amqp, queue: queue, prefetch: 5, drainTimeout: 3_600,
                    logger: TestEnvironment.logger("test.abandoned"))
                let stopped = Locked(false)
                let running = Task {
                    try? await consumer.run()
                    stopped.set(true)
                }
                var deliveries = consumer.deliveries.makeAsyncIterator()
                let delivery = await deliveries.next()  // handed out and never settled
                #expect(delivery?.messageID == "abandoned")
                running.cancel()
                try await eventually("the cancelled consumer stops without draining") { stopped.value }
                try await eventually("the delivery is back in the queue") {
                    try await system.administration.messageCount(queue: queue) == 1
                }
                _ = try await system.administration.purge(queue: queue)
            }
        }

        @Test func aRejectedCommandIsRecordedWithItsReason() async throws {
            try await TestSystem.run { system in
                let command = envelope(title: "   ")
                try await system.publisher.publish(try message(command))
                try await eventually("the command is recorded") {
                    try await system.store.command(command.commandID) != nil
                }
                let record = try #require(try await system.store.command(command.commandID))
                #expect(record.status == .rejected)
                #expect(record.rejection?.code == .invalidInput)
                #expect(record.rejection?.violations.map(\.field) == ["title"])
                #expect(try await system.ticketCount(command.ticketID!) == 0)
            }
        }

        @Test(arguments: [
            ("not json at all", "undecodable command"),
            (#"{"commandId":"not-a-uuid"}"#, "undecodable command"),
            (
                #"{"commandId":"\#(UUID())","issuedAt":"2027-01-01T00:00:00Z","issuer":{"id":"u","name":"U","roles":[]},"ticketId":"\#(UUID())","type":"ticket.explode","payload":{}}"#,
                "unknown command type"
            ),
        ])
        func aPoisonMessageLandsInTheDeadLetterQueueWithItsReason(body: String, reason: String) async throws {
            try await TestSystem.run { system in
                let id = UUID().uuidString
                try await system.publisher.publish(
                    OutgoingMessage(
                        exchange: Topology.commandsExchange, routingKey: "ticket.create", body: Array(body.utf8),
                        messageID: id))
                let dead = try await firstDelivery(from: Topology.deadQueue, settings: system.settings) {
                    $0.messageID == id
                }
                #expect(dead.headers[Topology.deadReasonHeader]?.contains(reason) == true)
                #expect(dead.headers["x-sopz-original-routing-key"] == "ticket.create")
                #expect(dead.body == Array(body.utf8))
                try await eventually("the poison message left the work queue") {
                    try await system.administration.messageCount(queue: Topology.dispatcherQueue) == 0
                }
            }
        }
    }
}
