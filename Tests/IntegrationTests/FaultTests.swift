import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import ServiceLifecycle
import SopzDomain
import SopzAMQP
import SopzContract
import SopzPorts
import SopzPostgres
import SopzRuntime
import SopzTestSupport
import Testing

@testable import Dispatcher
@testable import Ingress

extension Integration {
    /// Nothing accepted is lost and nothing is applied twice when parts fail.
    @Suite struct FaultTests {
        static let body = #"{"title":"Fault","description":"tolerant"}"#

        func envelopes(_ count: Int) -> [CommandEnvelope] {
            (0..<count).map { _ in
                let commandID = CommandID(UUID())
                return CommandEnvelope(
                    commandID: commandID, issuedAt: Date(), issuer: User(id: "client-f", name: "F", roles: [.client]),
                    ticketID: TicketID(DerivedID.uuid(from: commandID.rawValue, label: "ticket")),
                    command: .create(NewTicket(title: "t", description: "d")))
            }
        }

        func publish(_ envelopes: [CommandEnvelope], with publisher: AMQPPublisher) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for envelope in envelopes {
                    group.addTask {
                        try await publisher.publish(
                            OutgoingMessage(
                                exchange: Topology.commandsExchange, routingKey: envelope.command.type,
                                body: Array(try JSONCoding.encoder().encode(envelope)),
                                messageID: envelope.commandID.description))
                    }
                }
                try await group.waitForAll()
            }
        }

        func expectAppliedExactlyOnce(_ envelopes: [CommandEnvelope], in system: TestSystem) async throws {
            try await eventually(timeout: .seconds(60), "every command is applied") {
                for envelope in envelopes where try await system.store.command(envelope.commandID) == nil {
                    return false
                }
                return true
            }
            for envelope in envelopes {
                #expect(try await system.ticketCount(envelope.ticketID!) == 1)
                #expect(try await system.eventCount(command: envelope.commandID) == 1)
            }
        }

        /// Publishes `commands` while a lock every dispatcher transaction needs is held, waits
        /// until a dispatcher (started by `startDispatcher`) is blocked inside its transactions
        /// with commands consumed and unacked, runs `whileBlocked`, then releases the lock.
        func withDispatcherBlockedMidTransaction(
            _ system: TestSystem, publishing commands: [CommandEnvelope],
            startDispatcher: @escaping @Sendable () async throws -> Void,
            whileBlocked: @escaping @Sendable () async throws -> Void
        ) async throws {
            let locked = Gate()
            let release = Gate()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let logger = TestEnvironment.logger("lock")
                    try await system.database.withTransaction(logger: logger) { connection in
                        try await connection.query("LOCK TABLE commands IN SHARE MODE", logger: logger)
                        locked.open()
                        await release.wait()
                    }
                }
                await locked.wait()
                do {
                    try await publish(commands, with: system.publisher)
                    group.addTask { try await startDispatcher() }
                    // The dispatcher's first statement records the command id: it waits for the lock.
                    try await eventually("the dispatcher is blocked inside a transaction") {
                        try await system.count(
                            """
                            SELECT count(*)::bigint FROM pg_stat_activity
                            WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO commands%'
                            """) > 0
                    }
                    try await whileBlocked()
                } catch {
                    release.open()  // never leave the table locked behind a failed test
                    throw error
                }
                release.open()
                try await group.waitForAll()
            }
        }

        @Test func aDispatcherKilledBetweenConsumeAndAckLosesNothingAndDoublesNothing() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                let commands = envelopes(20)
                let dispatcher = Locked<ChildProcess?>(nil)
                defer { dispatcher.value?.kill() }
                try await withDispatcherBlockedMidTransaction(
                    system, publishing: commands,
                    startDispatcher: { dispatcher.set(try ChildProcess.start("sopz-dispatcher")) },
                    whileBlocked: { dispatcher.value?.kill() })
                // A fresh dispatcher receives the redelivered commands and applies each once.
                let logger = TestEnvironment.logger("dispatcher")
                try await withServices(
                    [try buildDispatcher(settings: system.settings, options: DispatcherOptions(), logger: logger)],
                    logger: logger
                ) {
                    try await expectAppliedExactlyOnce(commands, in: system)
                }
            }
        }

        @Test func gracefulShutdownFinishesInFlightCommandsAndReturnsTheRest() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                let commands = envelopes(30)
                let logger = TestEnvironment.logger("dispatcher")
                let dispatcher = try buildDispatcher(
                    settings: system.settings, options: DispatcherOptions(), logger: logger)
                try await withDispatcherBlockedMidTransaction(
                    system, publishing: commands, startDispatcher: { try await dispatcher.run() },
                    whileBlocked: { await dispatcher.triggerGracefulShutdown() })
                // What was in flight was committed and acked; the rest is back in the queue.
                var applied = 0
                for command in commands where try await system.store.command(command.commandID) != nil { applied += 1 }
                #expect(applied > 0)
                let finished = applied
                try await eventually("the unfinished commands are back in the queue") {
                    try await system.administration.messageCount(queue: Topology.dispatcherQueue)
                        == commands.count - finished
                }
                try await withServices(
                    [try buildDispatcher(settings: system.settings, options: DispatcherOptions(), logger: logger)],
                    logger: logger
                ) {
                    try await expectAppliedExactlyOnce(commands, in: system)
                }
            }
        }

        @Test func commandsAcceptedWhilePostgreSQLIsDownAreAppliedWhenItIsBack() async throws {
            try await TestSystem.run { system in
                let ada = try await system.token("ada")
                // Fetch the issuer's keys while everything is up (they are cached afterwards).
                try await system.http { client in
                    let response = try await client.get("/api/v1/tickets/\(UUID())", token: ada)
                    #expect(response.status == .notFound)
                }
                try TestEnvironment.servers("stop-postgres")
                let accepted = Locked<[CommandID]>([])
                do {
                    try await system.http { client in
                        for _ in 0..<5 {
                            let response = try await client.post("/api/v1/tickets", token: ada, json: Self.body)
                            #expect(response.status == .accepted)
                            if let id = (response.json["commandId"] as? String).flatMap(CommandID.init) {
                                accepted.set(accepted.value + [id])
                            }
                        }
                        // Queries come from the read database, which is up.
                        let read = try await client.get("/api/v1/tickets/\(UUID())", token: ada)
                        #expect(read.status == .notFound)
                    }
                } catch {
                    try TestEnvironment.servers("start-postgres")
                    throw error
                }
                try TestEnvironment.servers("start-postgres")
                #expect(accepted.value.count == 5)
                try await eventually(timeout: .seconds(60), "all commands are applied after the outage") {
                    for id in accepted.value where try await system.store.command(id)?.status != .done { return false }
                    return true
                }
                for id in accepted.value {
                    #expect(try await system.eventCount(command: id) == 1)
                }
            }
        }

        @Test func everyPartReconnectsAfterARabbitMQRestartUnderTraffic() async throws {
            try await TestSystem.run(notifier: true) { system in
                try await system.administration.declareQueue(
                    NotifierTests.subscriber, boundTo: Topology.eventsExchange, bindingKey: "ticket.#")
                let ada = try await system.token("ada")
                let accepted = Locked<[CommandID]>([])
                let refused = Locked<Int>(0)
                let stop = Gate()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // Traffic: POST continuously; each answer must be 202 or 503, never anything else.
                    group.addTask {
                        try await system.http { client in
                            while !stop.isOpen {
                                let response = try await client.post("/api/v1/tickets", token: ada, json: Self.body)
                                switch response.status {
                                case .accepted:
                                    let id = try #require(
                                        (response.json["commandId"] as? String).flatMap(CommandID.init))
                                    accepted.set(accepted.value + [id])
                                case .serviceUnavailable:
                                    #expect(response.headers[.retryAfter] != nil)
                                    refused.set(refused.value + 1)
                                    try await Task.sleep(for: .milliseconds(20))
                                default:
                                    Issue.record("unexpected status \(response.status) during a broker restart")
                                }
                            }
                        }
                    }
                    try await eventually("some commands are accepted") { accepted.value.count >= 5 }
                    try TestEnvironment.servers("stop-rabbitmq")
                    try await eventually("the ingress notices the broker is gone") { refused.value > 0 }
                    try TestEnvironment.servers("start-rabbitmq")
                    try await eventually(timeout: .seconds(60), "the ingress publishes again") {
                        let before = accepted.value.count
                        try await Task.sleep(for: .milliseconds(200))
                        return accepted.value.count > before
                    }
                    stop.open()
                    try await group.waitForAll()
                }
                // The dispatcher reconnected: every accepted command is applied, none twice.
                try await eventually(timeout: .seconds(60), "every accepted command is applied") {
                    for id in accepted.value where try await system.store.command(id) == nil { return false }
                    return true
                }
                for id in accepted.value {
                    #expect(try await system.eventCount(command: id) == 1)
                }
                // The notifier reconnected: the last ticket's event reaches subscribers.
                let last = try #require(accepted.value.last)
                let ticket = try #require(try await system.store.command(last)?.ticketID)
                let event = try await firstDelivery(from: NotifierTests.subscriber, settings: system.settings) {
                    $0.headers["cloudEvents:subject"] == ticket.description
                }
                #expect(event.routingKey == "ticket.created")
            }
        }
    }
}
