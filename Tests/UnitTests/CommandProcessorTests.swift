import Foundation
import Logging
import PostgresNIO
import SopzDomain
import Synchronization
import Testing

@testable import Dispatcher
@testable import SopzAMQP
@testable import SopzContract
import SopzOperations
@testable import SopzPostgres
@testable import SopzProcessing

/// The dispatcher's retry policy without a database: `apply` is a stand-in that fails as told,
/// and `pause` records the delays instead of waiting them.
@Suite(.timeLimit(.minutes(1))) struct CommandProcessorTests {
    struct Unreachable: Error {}

    final class Script: Sendable {
        /// What each call of `apply` does, in order; the last entry repeats.
        let steps: [Result<ApplyOutcome, any Error>]
        let calls = Mutex(0)
        let delays = Mutex<[Double]>([])

        init(_ steps: [Result<ApplyOutcome, any Error>]) { self.steps = steps }

        func next() throws -> ApplyOutcome {
            let call = calls.withLock { calls in
                defer { calls += 1 }
                return calls
            }
            return try steps[min(call, steps.count - 1)].get()
        }
    }

    static let envelope = CommandEnvelope(
        commandID: CommandID(UUID()), issuedAt: Date(), issuer: User(id: "c", name: "C", roles: [.client]),
        ticketID: TicketID(UUID()), command: .create(NewTicket(title: "t", description: "d")))

    static let notAPostgres = PostgresClient(
        configuration: .init(host: "localhost", username: "nobody", password: nil, database: nil, tls: .disable),
        backgroundLogger: Logger(label: "test"))

    func processor(
        _ script: Script, maxAttempts: Int = 8, metrics: DispatcherMetrics = DispatcherMetrics()
    ) -> CommandProcessor {
        var processor = CommandProcessor(
            apply: { _ in try script.next() },
            notifications: CommitNotifications(client: Self.notAPostgres, logger: Logger(label: "test")),
            logger: Logger(label: "test"))
        processor.maxAttempts = maxAttempts
        processor.metrics = metrics
        processor.pause = { delay in script.delays.withLock { $0.append(delay) } }
        return processor
    }

    func delivery(_ body: [UInt8], previousDeliveries: Int = 0) -> Delivery {
        Delivery(
            body: body, routingKey: "ticket.create", messageID: nil, type: nil,
            headers: ["x-delivery-count": "\(previousDeliveries)"], redelivered: previousDeliveries > 0,
            deliveryTag: 1, generation: 1)
    }

    func encoded(_ envelope: CommandEnvelope) throws -> [UInt8] {
        Array(try JSONCoding.encoder().encode(envelope))
    }

    @Test func anOutageHoldsTheCommandWithGrowingPausesAndCountsNoAttempt() async throws {
        let outages: [Result<ApplyOutcome, any Error>] = Array(repeating: .failure(Unreachable()), count: 12)
        let script = Script(outages + [.success(.duplicate)])
        let metrics = DispatcherMetrics()
        let settlement = await processor(script, maxAttempts: 2, metrics: metrics).process(
            delivery(try encoded(Self.envelope)))
        #expect(settlement == .ack)  // twelve failures, yet two attempts were allowed: none counted
        let exposition = metrics.registry.exposition()
        #expect(exposition.contains(#"sopz_dispatcher_retries_total{reason="outage"} 12"#))
        #expect(exposition.contains(#"sopz_dispatcher_commands_total{type="ticket.create",outcome="duplicate"} 1"#))
        let delays = script.delays.withLock { $0 }
        #expect(delays.count == 12)
        #expect(delays[3] > delays[0] * 4)  // 0.2 s doubling, jitter ±20 %
        #expect(delays.last! <= 5)
    }

    @Test func anOutageAfterASuccessStartsShortAgain() async throws {
        let script = Script([
            .failure(Unreachable()), .failure(Unreachable()), .failure(Unreachable()),
            .success(.retryLater(reason: "x")),
            .failure(Unreachable()), .success(.duplicate),
        ])
        #expect(await processor(script).process(delivery(try encoded(Self.envelope))) == .ack)
        let delays = script.delays.withLock { $0 }
        #expect(delays.count == 5)
        #expect(delays[4] < delays[2])  // the outage after the database answered starts at 0.2 s again
    }

    @Test func aCommandThatKeepsFailingIsDeadLetteredWhenItsAttemptsRunOut() async throws {
        let failing = EncodingError.invalidValue(0, .init(codingPath: [], debugDescription: "cannot be stored"))
        let script = Script([.failure(failing)])
        let metrics = DispatcherMetrics()
        let settlement = await processor(script, maxAttempts: 3, metrics: metrics).process(
            delivery(try encoded(Self.envelope), previousDeliveries: 1))
        let exposition = metrics.registry.exposition()
        #expect(exposition.contains(#"sopz_dispatcher_commands_total{type="ticket.create",outcome="dead_lettered"} 1"#))
        #expect(exposition.contains(#"sopz_dispatcher_retries_total{reason="attempt"} 1"#))
        guard case .deadLetter(let reason) = settlement else {
            Issue.record("expected a dead letter, got \(settlement)")
            return
        }
        #expect(reason.hasPrefix("attempts exhausted"))
        #expect(script.calls.withLock { $0 } == 2)  // the earlier delivery counted as one
    }

    @Test func aTicketThatDoesNotExistYetIsRetriedThenApplied() async throws {
        let script = Script([.success(.retryLater(reason: "not yet")), .success(.duplicate)])
        #expect(await processor(script).process(delivery(try encoded(Self.envelope))) == .ack)
        #expect(script.calls.withLock { $0 } == 2)
    }

    @Test func anUndecodableCommandIsDeadLetteredWithoutAnAttempt() async throws {
        let script = Script([.success(.duplicate)])
        let metrics = DispatcherMetrics()
        let settlement = await processor(script, metrics: metrics).process(delivery(Array("{\"nope\":1}".utf8)))
        #expect(
            metrics.registry.exposition().contains(
                #"sopz_dispatcher_commands_total{type="unknown",outcome="dead_lettered"} 1"#))
        guard case .deadLetter(let reason) = settlement else {
            Issue.record("expected a dead letter, got \(settlement)")
            return
        }
        #expect(reason.hasPrefix("undecodable command"))
        #expect(script.calls.withLock { $0 } == 0)
    }
}
