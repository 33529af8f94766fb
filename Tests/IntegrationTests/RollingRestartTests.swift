import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOHTTP1
import PostgresNIO
import SopzAMQP
import SopzContract
import SopzPorts
import SopzRuntime
import SopzTestSupport
import Testing

@testable import Ingress
@testable import SopzPorts

extension Integration {
    /// The availability drill: every consumer restarted one replica at a time, as a Deployment's
    /// rolling update does (`maxSurge: 1, maxUnavailable: 0`: start the new replica, wait until it
    /// is ready, SIGTERM the old one), while clients keep opening tickets and waiting for each to
    /// be committed. No client gets an error, nothing accepted is lost or doubled, every event
    /// leaves the outbox for subscribers, and the read model has every ticket. The figures —
    /// latency before and during the roll, how long each replica took to be ready and to drain —
    /// are printed for the README.
    @Suite struct RollingRestartTests {
        static let subscriber = "sopz.test.drill"
        static let body = #"{"title":"Drill","description":"rolling restart"}"#
        static let clients = 8

        /// One consumer replica: the real executable with an operations port of its own.
        struct Replica {
            let executable: String
            let port: Int
            let process: ChildProcess

            static func start(_ executable: String, port: Int, system: TestSystem) async throws -> (Replica, Duration) {
                let started = ContinuousClock.now
                let process = try ChildProcess.start(
                    executable, extra: ["SOPZ_METRICS_ADDRESS": "127.0.0.1:\(port)"])
                let replica = Replica(executable: executable, port: port, process: process)
                try await eventually(interval: .milliseconds(50), "\(executable) on \(port) is ready") {
                    (try? await OperationsScrape.get("/readyz", port: port, settings: system.settings))?.0 == .ok
                }
                return (replica, ContinuousClock.now - started)
            }
        }

        /// What one client saw: when it asked, the status, how long the answer took, the ticket.
        struct Answer: Sendable {
            let at: ContinuousClock.Instant
            let status: HTTPResponse.Status
            let latency: Duration
            let ticket: String?
        }

        /// The `fraction` percentile of `latencies`, as the statistics compute theirs.
        static func percentile(_ fraction: Double, of latencies: [Duration]) -> Duration {
            let seconds = latencies.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
            return .seconds(Statistics.Resolution.percentile(fraction, of: seconds.sorted()) ?? 0)
        }

        static func milliseconds(_ duration: Duration) -> String {
            String(
                format: "%.0f ms",
                Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
        }

        @Test(.timeLimit(.minutes(5))) func aRollingRestartOfEveryConsumerUnderLoadLosesNothing() async throws {
            try await TestSystem.run(dispatcher: false, projector: false) { system in
                try await system.database.query("TRUNCATE outbox")  // what earlier tests left unrelayed
                try await system.administration.declareQueue(
                    Self.subscriber, boundTo: Topology.eventsExchange, bindingKey: "ticket.created")
                _ = try await system.administration.purge(queue: Self.subscriber)
                let ada = try await system.token("ada")

                var replicas: [Replica] = []
                defer { for replica in replicas { replica.process.kill() } }
                var port = 19_201
                for executable in [
                    "sopz-dispatcher", "sopz-dispatcher", "sopz-notifier", "sopz-projector", "sopz-projector",
                ] {
                    replicas.append(try await Replica.start(executable, port: port, system: system).0)
                    port += 1
                }

                let observed = Locked<[Answer]>([])
                let stop = Gate()
                var ready: [Duration] = []
                var drained: [Duration] = []
                var rollStarted = ContinuousClock.now
                var rollEnded = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<Self.clients {
                        group.addTask {
                            try await system.http { client in
                                while !stop.isOpen {
                                    let sent = ContinuousClock.now
                                    let response = try await client.post(
                                        "/api/v1/tickets", token: ada, json: Self.body, headers: [.prefer: "wait=10"])
                                    let answer = Answer(
                                        at: sent, status: response.status, latency: ContinuousClock.now - sent,
                                        ticket: response.json["id"] as? String)
                                    observed.update { $0.append(answer) }
                                }
                            }
                        }
                    }
                    try await eventually("the clients are under way") { observed.value.count >= 200 }
                    rollStarted = ContinuousClock.now
                    // Roll each Deployment in turn, one replica at a time.
                    for index in replicas.indices {
                        let old = replicas[index]
                        let (new, readyAfter) = try await Replica.start(old.executable, port: port, system: system)
                        port += 1
                        ready.append(readyAfter)
                        let stopping = ContinuousClock.now
                        #expect(old.process.terminate() == 0, "\(old.executable) on \(old.port) stops cleanly")
                        drained.append(ContinuousClock.now - stopping)
                        replicas[index] = new
                    }
                    rollEnded = ContinuousClock.now
                    try await eventually("the clients carry on after the roll") {
                        observed.value.filter { $0.at > rollEnded }.count >= 200
                    }
                    stop.open()
                    try await group.waitForAll()
                }

                // No client saw anything but a committed ticket.
                let answers = observed.value
                let statuses = Set(answers.map(\.status.code))
                #expect(statuses == [201], "answers during the drill: \(statuses.sorted())")
                let tickets = answers.compactMap(\.ticket)
                #expect(tickets.count == answers.count)
                #expect(Set(tickets).count == tickets.count)

                // Each ticket exists once, with one creation; every event left the outbox and
                // reached the subscriber; the read model has every ticket.
                let ids = tickets.compactMap(UUID.init(uuidString:))
                #expect(ids.count == tickets.count)
                #expect(
                    try await system.count("SELECT count(*)::bigint FROM tickets WHERE id = ANY(\(ids))") == ids.count)
                #expect(
                    try await system.count(
                        "SELECT count(*)::bigint FROM events WHERE type = 'created' AND ticket_id = ANY(\(ids))")
                        == ids.count)
                try await eventually(timeout: .seconds(60), "the outbox is relayed") {
                    try await system.count("SELECT count(*)::bigint FROM outbox") == 0
                }
                #expect(try await system.administration.messageCount(queue: Self.subscriber) >= ids.count)
                let unread = Locked(tickets)
                try await eventually(timeout: .seconds(60), "the read model has every ticket") {
                    try await system.http { client in
                        for id in unread.value {
                            guard try await client.get("/api/v1/tickets/\(id)", token: ada).status == .ok else {
                                return
                            }
                            unread.update { $0.removeFirst() }
                        }
                    }
                    return unread.value.isEmpty
                }

                // The figures.
                let before = answers.filter { $0.at < rollStarted }.map(\.latency)
                let during = answers.filter { $0.at >= rollStarted && $0.at <= rollEnded }.map(\.latency)
                print(
                    """
                    rolling restart drill: \(answers.count) tickets, \(Self.clients) clients, all 201; \
                    before the roll p50 \(Self.milliseconds(Self.percentile(0.5, of: before))) \
                    p99 \(Self.milliseconds(Self.percentile(0.99, of: before))) \
                    max \(Self.milliseconds(before.max() ?? .zero)); \
                    during (\(Self.milliseconds(rollEnded - rollStarted)), \(during.count) tickets) \
                    p50 \(Self.milliseconds(Self.percentile(0.5, of: during))) \
                    p99 \(Self.milliseconds(Self.percentile(0.99, of: during))) \
                    max \(Self.milliseconds(during.max() ?? .zero)); \
                    new replica ready after \(ready.map(Self.milliseconds)); \
                    old replica drained and exited after \(drained.map(Self.milliseconds))
                    """)
                for replica in replicas { #expect(replica.process.terminate() == 0) }
                _ = try await system.administration.purge(queue: Self.subscriber)
            }
        }
    }
}
