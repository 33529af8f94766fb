import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import PostgresNIO
import SopzContract
import SopzDomain
import SopzRuntime
import SopzTestSupport
import Testing

@testable import Ingress
@testable import Projector
@testable import SopzPostgres

extension Integration {
    /// The projector against the real write and read PostgreSQL clusters (two servers, as in
    /// production): the read model follows the event store, never passes over an event of a
    /// transaction still running, and replicas never apply one event twice.
    @Suite struct ProjectionTests {
        @Test func theReadModelFollowsAWholeLifeAndEqualsTheWriteModel() async throws {
            try await TestSystem.run(projector: false) { system in
                try await ReadModel.withClient(system.settings) { read in
                    try await ReadModel.reset(write: system.database, read: read)
                    let logger = TestEnvironment.logger("projector")
                    try await withServices([buildProjector(settings: system.settings, logger: logger)], logger: logger)
                    {
                        let tokens = try await system.tokens(["ada", "ann"])
                        try await system.http { client in
                            let ready = try await client.send(
                                .put, "/api/v1/administrators/me/availability", token: tokens["ann"],
                                json: #"{"available":true}"#, headers: [.prefer: "wait=10"])
                            #expect(ready.status == .ok)
                            for index in 0..<3 {
                                let created = try await client.post(
                                    "/api/v1/tickets", token: tokens["ada"],
                                    json: #"{"title":"Printer \#(index)","description":"Jams <b>"}"#,
                                    headers: [.prefer: "wait=10"])
                                let id = try #require(created.json["id"] as? String)
                                let path = "/api/v1/tickets/\(id)"
                                _ = try await client.post(
                                    path + "/messages", token: tokens["ada"], json: #"{"body":"Tray \#(index)"}"#,
                                    headers: [.prefer: "wait=10"])
                                let moved = try await client.post(
                                    path + "/status", token: tokens["ann"], json: #"{"status":"resolved"}"#,
                                    headers: [.prefer: "wait=10"])
                                #expect(moved.json["status"] as? String == "resolved")
                            }
                        }
                        try await eventually("the read model has caught up") {
                            try await ReadModel.count(read, "SELECT count(*)::int8 FROM ticket_history")
                                == system.count("SELECT count(*)::int8 FROM events")
                        }
                        #expect(try await ReadModel.views(read) == ReadModel.tickets(system.database))
                        #expect(try await ReadModel.views(read).count == 3)
                        let directory = "SELECT string_agg(id || ' ' || name || ' ' || available, ', ' ORDER BY id)"
                        let written = try await ReadModel.text(
                            system.database, "\(unescaped: directory) FROM administrators")
                        #expect(written.contains("Ann Administrator true"))
                        try await eventually("the administrators are copied as they stand") {
                            try await ReadModel.text(read, "\(unescaped: directory) FROM administrator_views")
                                == written
                        }
                        #expect(try await ReadModel.count(read, "SELECT count(*)::int8 FROM ticket_messages") == 3)
                        #expect(
                            try await ReadModel.count(
                                read, "SELECT count(*)::int8 FROM ticket_messages WHERE body LIKE 'Tray _'") == 3)
                    }
                }
            }
        }

        /// The classic gap: a transaction takes a sequence number, another takes a later one and
        /// commits first. Reading by sequence alone would pass over the first for good.
        @Test func anEventOfATransactionStillRunningIsWaitedForNotPassedOver() async throws {
            try await TestSystem.run(dispatcher: false, projector: false) { system in
                try await ReadModel.withClient(system.settings) { read in
                    let store = try await ReadModel.resetStore(write: system.database, read: read)
                    let early = ReadModel.creation()
                    let late = ReadModel.creation()
                    let started = Gate()
                    let finish = Gate()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            try await system.database.withTransaction(logger: TestEnvironment.logger("tx")) {
                                connection in
                                try await ReadModel.insert(early, on: connection)
                                started.open()
                                await finish.wait()
                            }
                        }
                        await started.wait()
                        try await system.database.withConnection { try await ReadModel.insert(late, on: $0) }
                        #expect(
                            try await system.count(
                                "SELECT count(*)::int8 FROM events WHERE ticket_id = \(late.ticketID.rawValue)")
                                == 1)
                        // The later event is committed, but an older transaction still runs: wait.
                        #expect(try await store.step(limit: 100) == .init(read: 0, applied: 0))
                        #expect(try await store.lag().events == 1)
                        finish.open()
                        try await group.waitForAll()
                    }
                    let lag = try await store.lag()
                    #expect(lag.events == 2)
                    #expect(lag.oldestPendingAt.map { abs($0.timeIntervalSince(early.occurredAt)) < 0.001 } == true)
                    #expect(try await store.step(limit: 100) == .init(read: 2, applied: 2))
                    #expect(try await store.lag() == .init(events: 0, oldestPendingAt: nil))
                    #expect(Set(try await ReadModel.views(read).map(\.id)) == [early.ticketID, late.ticketID])
                    // Read again from the start (a lost checkpoint, a redelivery): nothing changes.
                    try await read.query("UPDATE projection_checkpoints SET transaction_id = 0, sequence = 0")
                    let before = try await ReadModel.views(read)
                    #expect(try await store.step(limit: 100) == .init(read: 2, applied: 0))
                    #expect(try await ReadModel.views(read) == before)
                }
            }
        }

        /// The real `sopz-projector` executable, as an operator runs it: it migrates the read
        /// database, projects what is committed, shows its lag on `/metrics` over HTTPS, and stops
        /// cleanly on SIGTERM.
        @Test func theExecutableProjectsShowsItsLagAndStopsCleanly() async throws {
            try await TestSystem.run(dispatcher: false, projector: false) { system in
                try await ReadModel.withClient(system.settings) { read in
                    try await ReadModel.reset(write: system.database, read: read)
                    let port = 19_103
                    let projector = try ChildProcess.start(
                        "sopz-projector", extra: ["SOPZ_METRICS_ADDRESS": "127.0.0.1:\(port)"])
                    defer { projector.kill() }
                    let event = ReadModel.creation()
                    try await system.database.withConnection { try await ReadModel.insert(event, on: $0) }
                    try await eventually("the projector has the ticket") {
                        try await ReadModel.views(read).map(\.id) == [event.ticketID]
                    }
                    let metrics = Locked("")
                    try await eventually(interval: .milliseconds(100), "the metrics show the projector caught up") {
                        metrics.set(try await OperationsScrape.get("/metrics", port: port, settings: system.settings).1)
                        return metrics.value.contains("\nsopz_projection_lag_events 0")
                    }
                    #expect(metrics.value.contains("\nsopz_projection_lag_seconds 0"))
                    #expect(metrics.value.contains("\nsopz_projection_events_applied_total 1"))
                    #expect(metrics.value.contains("# HELP sopz_projection_lag_seconds"))
                    #expect(try await OperationsScrape.get("/healthz", port: port, settings: system.settings).0 == .ok)
                    #expect(try await OperationsScrape.get("/readyz", port: port, settings: system.settings).0 == .ok)
                    // Promptly: no loop of the projector (retention waits a minute between runs)
                    // may hold a graceful shutdown back.
                    let stopping = ContinuousClock.now
                    #expect(projector.terminate() == 0)
                    #expect(ContinuousClock.now - stopping < .seconds(10))
                }
            }
        }

        /// Two projector replicas at once while events keep arriving: every event is read once in
        /// all (the checkpoint's counter would count a second read) and applied once.
        @Test func replicasTakeTurnsAndApplyEachEventOnce() async throws {
            try await TestSystem.run(dispatcher: false, projector: false) { system in
                try await ReadModel.withClient(system.settings) { read in
                    let store = try await ReadModel.resetStore(write: system.database, read: read)
                    let writing = Gate()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for _ in 0..<200 {
                                try await system.database.withConnection {
                                    try await ReadModel.insert(ReadModel.creation(), on: $0)
                                }
                            }
                            writing.open()
                        }
                        for _ in 0..<2 {
                            group.addTask {
                                while !writing.isOpen { _ = try await store.step(limit: 7) }
                                while try await store.step(limit: 7).read > 0 {}
                            }
                        }
                        try await group.waitForAll()
                    }
                    #expect(try await ReadModel.count(read, "SELECT count(*)::int8 FROM ticket_views") == 200)
                    #expect(try await ReadModel.count(read, "SELECT events FROM projection_checkpoints") == 200)
                }
            }
        }
    }
}

/// The read database and what the tests put in the event store by hand.
enum ReadModel {
    static func withClient(
        _ settings: SharedSettings, _ body: @escaping @Sendable (PostgresClient) async throws -> Void
    ) async throws {
        let logger = TestEnvironment.logger("read")
        let client = PostgresClient(
            configuration: settings.readDatabase.clientConfiguration(), backgroundLogger: logger)
        try await withServices([client], logger: logger) { try await body(client) }
    }

    /// `reset`, then a projector's store between the two.
    static func resetStore(write: PostgresClient, read: PostgresClient) async throws -> PostgresProjectionStore {
        try await reset(write: write, read: read)
        return PostgresProjectionStore(eventStore: write, readModel: read, logger: TestEnvironment.logger("projector"))
    }

    /// Empties the write model's tickets and events and the whole read model (migrated first).
    static func reset(write: PostgresClient, read: PostgresClient) async throws {
        try await write.query("TRUNCATE tickets, administrators, events, outbox")
        try await Migrations.migrate(read, schema: Migrations.readModel, logger: TestEnvironment.logger("m"))
        let tables = Migrations.readModelTables.filter { $0 != Migrations.readModel.table }
        try await read.query("TRUNCATE \(unescaped: tables.joined(separator: ", "))")
    }

    /// `reset` with a read client of its own, for tests that need nothing else of the read database.
    static func reset(_ system: TestSystem) async throws {
        try await withClient(system.settings) { read in try await reset(write: system.database, read: read) }
    }

    static func text(_ client: PostgresClient, _ query: PostgresQuery) async throws -> String {
        for try await value in try await client.query(query).decode(String?.self) { return value ?? "" }
        return ""
    }

    static func count(_ client: PostgresClient, _ query: PostgresQuery) async throws -> Int {
        for try await value in try await client.query(query).decode(Int.self) { return value }
        return 0
    }

    static func views(_ client: PostgresClient) async throws -> [Ticket] {
        try await rows(
            client,
            "SELECT id, owner_id, owner_name, title, description, category, refund::text, status, assignee_id, created_at, updated_at, version FROM ticket_views ORDER BY id"
        )
    }

    static func tickets(_ client: PostgresClient) async throws -> [Ticket] {
        try await rows(
            client,
            "SELECT id, owner_id, owner_name, title, description, category, refund::text, status, assignee_id, created_at, updated_at, version FROM tickets ORDER BY id"
        )
    }

    private static func rows(_ client: PostgresClient, _ query: PostgresQuery) async throws -> [Ticket] {
        var tickets: [Ticket] = []
        for try await row in try await client.query(query) {
            let (
                id, owner, ownerName, title, description, category, refund, status, assignee, created, updated, version
            ) =
                try row.decode(
                    (UUID, String, String, String, String, String?, String?, String, String?, Date, Date, Int).self)
            tickets.append(
                Ticket(
                    id: TicketID(id), ownerID: owner, ownerName: ownerName, title: title, description: description,
                    category: category,
                    refund: try refund.map { try JSONCoding.decoder().decode(RefundRequest.self, from: Data($0.utf8)) },
                    status: TicketStatus(rawValue: status) ?? .new, assigneeID: assignee, createdAt: created,
                    updatedAt: updated, version: version))
        }
        return tickets
    }

    /// A `created` event for a new ticket, as the dispatcher would store it.
    static func creation() -> TicketEvent {
        let now = Date()
        let ticket = Ticket(
            id: TicketID(UUID()), ownerID: "client-1", ownerName: "Ada", title: "Printer", description: "Jams",
            category: nil, refund: nil, status: .new, assigneeID: nil, createdAt: now, updatedAt: now, version: 1)
        return TicketEvent(
            id: UUID(), ticketID: ticket.id, version: 1, occurredAt: now, actorID: "client-1",
            commandID: CommandID(UUID()), change: .created(ticket))
    }

    static func insert(_ event: TicketEvent, on connection: PostgresConnection) async throws {
        guard case .created(let ticket) = event.change else { return }
        let data = String(decoding: try JSONCoding.encoder().encode(ticket), as: UTF8.self)
        _ = try await connection.query(
            """
            INSERT INTO events (id, ticket_id, version, type, data, actor_id, command_id, occurred_at)
            VALUES (\(event.id), \(event.ticketID.rawValue), 1, 'created', \(data)::jsonb, \(event.actorID),
                    \(event.commandID.rawValue), \(event.occurredAt))
            """, logger: TestEnvironment.logger("insert")
        ).collect()
    }
}
