import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PostgresNIO
import SopzDomain
import SopzProcessing
import SopzRuntime
import SopzTestSupport
import Testing

@testable import Ingress
@testable import SopzPostgres

extension Integration {
    /// Short-lived write data: long-final tickets leave the write database — row and events —
    /// once the read database has archived their events, stay readable from the read model, are
    /// refused clearly when a command names them, and a rebuild still has their history.
    @Suite struct RetentionTests {
        static let wait: HTTPFields = [.prefer: "wait=10"]

        @Test func longFinalTicketsLeaveTheWriteModelAndStayReadable() async throws {
            try await TestSystem.run { system in
                try await ReadModel.withClient(system.settings) { read in
                    try await ReadModel.reset(write: system.database, read: read)
                    let tokens = try await system.tokens(["ada", "ben", "ann", "max"])
                    let (closed, cancelled, open) = try await system.http { client in
                        func command(_ path: String, _ user: String, _ body: String, put: Bool = false) async throws {
                            let response = try await client.send(
                                put ? .put : .post, path, token: tokens[user], json: body, headers: Self.wait)
                            #expect(response.status == .ok, "\(path): \(response.json)")
                        }
                        func open(_ title: String) async throws -> String {
                            let created = try await client.post(
                                "/api/v1/tickets", token: tokens["ada"],
                                json: #"{"title":"\#(title)","description":"d"}"#, headers: Self.wait)
                            return try #require(created.json["id"] as? String)
                        }
                        try await command(
                            "/api/v1/administrators/me/availability", "ann", #"{"available":true}"#, put: true)
                        let closed = try await open("Closed")
                        try await command("/api/v1/tickets/\(closed)/messages", "ada", #"{"body":"Hello"}"#)
                        try await command("/api/v1/tickets/\(closed)/status", "ann", #"{"status":"resolved"}"#)
                        try await command("/api/v1/tickets/\(closed)/confirm", "ada", "{}")
                        let cancelled = try await open("Cancelled")
                        try await command("/api/v1/tickets/\(cancelled)/cancel", "ada", "{}")
                        return (closed, cancelled, try await open("Open"))
                    }
                    let events = try await system.count("SELECT count(*)::int8 FROM events")
                    try await eventually("the read model has every event") {
                        try await ReadModel.count(read, "SELECT count(*)::int8 FROM event_archive") == events
                    }
                    let retention = WriteRetention(
                        eventStore: system.database, readModel: read, logger: TestEnvironment.logger("retention"))
                    #expect(try await retention.archive(finalBefore: Date(timeIntervalSinceNow: -3_600)) == 0)
                    #expect(try await retention.archive(finalBefore: Date(timeIntervalSinceNow: 1)) == 2)

                    // Gone from the write database but for their tombstones; the open ticket stays.
                    let ids = [closed, cancelled].compactMap(UUID.init(uuidString:))
                    #expect(try await system.count("SELECT count(*)::int8 FROM tickets WHERE id = ANY(\(ids))") == 0)
                    #expect(
                        try await system.count("SELECT count(*)::int8 FROM events WHERE ticket_id = ANY(\(ids))") == 0)
                    #expect(
                        try await system.count(
                            "SELECT count(*)::int8 FROM archived_tickets WHERE id = ANY(\(ids)) AND status IN ('closed', 'cancelled')"
                        ) == 2)
                    let openID = try #require(UUID(uuidString: open))
                    #expect(try await system.count("SELECT count(*)::int8 FROM tickets WHERE id = \(openID)") == 1)
                    #expect(try await ReadModel.count(read, "SELECT count(*)::int8 FROM event_archive") == events)
                    // A second run finds nothing more to do.
                    #expect(try await retention.archive(finalBefore: Date(timeIntervalSinceNow: 1)) == 0)

                    try await system.http { client in
                        // Still read from the read model, history and all.
                        let shown = try await client.get("/api/v1/tickets/\(closed)", token: tokens["ada"])
                        #expect(shown.json["status"] as? String == "closed")
                        let history = try await client.get("/api/v1/tickets/\(closed)/history", token: tokens["ada"])
                        // created, assigned, message_posted, resolved, status_changed (closed)
                        #expect((history.json["items"] as? [Any])?.count == 5)
                        let list = try await client.get("/api/v1/tickets", token: tokens["ada"])
                        #expect((list.json["items"] as? [Any])?.count == 3)
                        // A command on one is refused clearly — to whoever may see it; others get 404.
                        let again = try await client.post(
                            "/api/v1/tickets/\(closed)/reopen", token: tokens["ada"], json: "{}", headers: Self.wait)
                        #expect(again.status == .conflict)
                        #expect(again.json["type"] as? String == "https://sopz.dev/problems/ticket-archived")
                        let staff = try await client.post(
                            "/api/v1/tickets/\(cancelled)/status", token: tokens["max"],
                            json: #"{"status":"in_progress"}"#, headers: Self.wait)
                        #expect(staff.json["type"] as? String == "https://sopz.dev/problems/ticket-archived")
                        let stranger = try await client.post(
                            "/api/v1/tickets/\(closed)/messages", token: tokens["ben"], json: #"{"body":"Hi"}"#,
                            headers: Self.wait)
                        #expect(stranger.status == .notFound)
                    }

                    // The dispatcher refuses too, trusting no ingress: a command on it, or a create
                    // that would take its id again.
                    let ada = User(id: DemoUser.id("ada"), name: "Ada Client", roles: [.client])
                    let closedID = TicketID(try #require(UUID(uuidString: closed)))
                    let outcomes = try await system.applier().apply(batch: [
                        CommandEnvelope(
                            commandID: CommandID(UUID()), issuedAt: Date(), issuer: ada, ticketID: closedID,
                            command: .cancel(Cancellation(reason: nil))),
                        Samples.create(by: ada, ticketID: closedID),
                    ])
                    #expect(outcomes == [.rejected(.archived), .rejected(.archived)])
                    #expect(try await system.count("SELECT count(*)::int8 FROM tickets WHERE id = ANY(\(ids))") == 0)

                    // The archive still has their whole history: a rebuild equals the live model.
                    try await RebuildTests.expectRebuildEqualsLive(read, settings: system.settings, events: events)
                }
            }
        }

        /// A final ticket whose events the projector has not archived yet stays where it is.
        @Test func aTicketWhoseEventsAreNotArchivedYetStays() async throws {
            try await TestSystem.run(projector: false) { system in
                try await ReadModel.withClient(system.settings) { read in
                    let store = try await ReadModel.resetStore(write: system.database, read: read)
                    let ada = try await system.token("ada")
                    try await system.http { client in
                        let created = try await client.post(
                            "/api/v1/tickets", token: ada, json: #"{"title":"t","description":"d"}"#,
                            headers: Self.wait)
                        let id = try #require(created.json["id"] as? String)
                        let cancelled = try await client.post(
                            "/api/v1/tickets/\(id)/cancel", token: ada, json: "{}", headers: Self.wait)
                        #expect(cancelled.json["status"] as? String == "cancelled")
                    }
                    // The append-only trigger refuses every other delete.
                    await #expect(throws: (any Error).self) {
                        try await system.database.query("DELETE FROM events").collect()
                    }
                    let retention = WriteRetention(
                        eventStore: system.database, readModel: read, logger: TestEnvironment.logger("retention"))
                    #expect(try await retention.archive(finalBefore: Date(timeIntervalSinceNow: 1)) == 0)
                    while try await store.step(limit: 100).read > 0 {}
                    #expect(try await retention.archive(finalBefore: Date(timeIntervalSinceNow: 1)) == 1)
                    #expect(try await system.count("SELECT count(*)::int8 FROM events") == 0)
                }
            }
        }
    }
}
