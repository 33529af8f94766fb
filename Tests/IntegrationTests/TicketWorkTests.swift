import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import SopzAMQP
import SopzContract
import SopzDomain
import SopzPorts
import SopzPostgres
import SopzTestSupport
import Testing

@testable import Ingress

extension Integration {
    /// Working a ticket through the real servers: the issue's "done means", as a test.
    @Suite struct TicketWorkTests {
        static let subscriber = "sopz.test.work-events"

        @Test func aTicketIsAssignedByWorkloadWorkedInChatResolvedAndAnnounced() async throws {
            try await TestSystem.run(notifier: true) { system in
                try await system.resetWork()
                try await system.administration.declareQueue(
                    Self.subscriber, boundTo: Topology.eventsExchange, bindingKey: "ticket.#")
                _ = try await system.administration.purge(queue: Self.subscriber)
                let tokens = try await system.tokens(["ada", "ben", "ann", "bill", "cleo", "max"])
                let first = Locked<String?>(nil)
                try await system.http { client in
                    for name in ["ann", "bill", "cleo"] {
                        let ready = try await client.send(
                            .put, "/api/v1/administrators/me/availability", token: tokens[name],
                            json: #"{"available":true}"#, headers: [.prefer: "wait=10"])
                        #expect(ready.status == .ok, "\(name): \(ready.text)")
                    }
                    // Four tickets: the first three go to three different people, the fourth to whoever
                    // got theirs first (equal loads, oldest last assignment).
                    var tickets: [[String: Any]] = []
                    for index in 0..<4 {
                        let created = try await client.post(
                            "/api/v1/tickets", token: tokens["ada"],
                            json: #"{"title":"Printer \#(index)","description":"Jams"}"#, headers: [.prefer: "wait=10"])
                        #expect(created.status == .created)
                        #expect(created.json["status"] as? String == "assigned")
                        tickets.append(created.json)
                    }
                    let assignees = tickets.compactMap { $0["assigneeId"] as? String }
                    #expect(Set(assignees.prefix(3)).count == 3)
                    #expect(Set(assignees.prefix(3)) == Set(["ann", "bill", "cleo"].map(DemoUser.id)))
                    #expect(assignees.count == 4 && assignees[3] == assignees[0])

                    let id = try #require(tickets[0]["id"] as? String)
                    first.set(id)
                    let holder = try #require(DemoUser.all.first { $0.id == assignees[0] }?.username)
                    let path = "/api/v1/tickets/\(id)"
                    func command(_ suffix: String, as user: String, _ body: String) async throws -> TestResponse {
                        try await client.post(
                            path + suffix, token: tokens[user], json: body, headers: [.prefer: "wait=10"])
                    }
                    #expect(
                        try await command("/messages", as: "ada", #"{"body":"It eats paper <b>again</b>"}"#).status
                            == .ok)
                    #expect(try await command("/messages", as: holder, #"{"body":"Which tray?"}"#).status == .ok)
                    let waiting = try await command("/status", as: holder, #"{"status":"waiting_for_client"}"#)
                    #expect(waiting.json["status"] as? String == "waiting_for_client")
                    let answered = try await command("/messages", as: "ada", #"{"body":"Tray 2"}"#)
                    #expect(answered.json["status"] as? String == "in_progress")
                    // Someone else's client sees nothing and can do nothing.
                    #expect(try await client.get(path, token: tokens["ben"]).status == .notFound)
                    #expect(try await command("/cancel", as: "ben", "{}").status == .notFound)
                    #expect(try await command("/messages", as: "ben", #"{"body":"mine?"}"#).status == .notFound)
                    let resolved = try await command(
                        "/status", as: holder, #"{"status":"resolved","comment":"New roller"}"#)
                    #expect(resolved.status == .ok)
                    #expect(resolved.json["status"] as? String == "resolved")
                    // Final for the client once confirmed: no more messages.
                    #expect(try await command("/confirm", as: "ada", "{}").json["status"] as? String == "closed")
                    let late = try await command("/messages", as: "ada", #"{"body":"one more thing"}"#)
                    #expect(late.status == .conflict)
                    #expect(late.text.contains("/problems/ticket-final"))

                    // The manager moves the second ticket from its holder to the third administrator.
                    let second = try #require(tickets[1]["id"] as? String)
                    let moved = try await client.post(
                        "/api/v1/tickets/\(second)/assignee", token: tokens["max"],
                        json: #"{"administratorId":"\#(assignees[2])","reason":"Bill is on holiday"}"#,
                        headers: [.prefer: "wait=10"])
                    #expect(moved.status == .ok)
                    #expect(moved.json["assigneeId"] as? String == assignees[2])
                    let audit = try await system.eventData(ticket: second, type: "assigned")
                    #expect(audit.last?["previousAdministratorId"] as? String == assignees[1])
                    #expect(audit.last?["decidedBy"] as? String == "manager")
                    #expect(audit.last?["reason"] as? String == "manual")
                    #expect(audit.last?["comment"] as? String == "Bill is on holiday")
                    #expect(audit.first?["decidedBy"] as? String == "system")
                    #expect(audit.first?["reason"] as? String == "workload")
                }
                let resolvedTicket = try #require(first.value)
                let resolvedEvent = try await firstDelivery(from: Self.subscriber, settings: system.settings) {
                    $0.routingKey == "ticket.resolved" && $0.headers["cloudEvents:subject"] == resolvedTicket
                }
                #expect(resolvedEvent.headers["cloudEvents:type"] == "sopz.ticket.resolved.v1")
                let data = try JSONSerialization.jsonObject(with: Data(resolvedEvent.body)) as? [String: Any]
                #expect(data?["to"] as? String == "resolved")
                #expect(data?["comment"] as? String == "New roller")
                try await system.expectEventsReplayToTheStoredTickets()
            }
        }

        /// Two administrators act on the version they both read: one wins, the other is told (412).
        @Test func twoAdministratorsOnOneVersionNeverOverwriteEachOther() async throws {
            try await TestSystem.run { system in
                try await system.resetWork()
                let tokens = try await system.tokens(["ada", "ann", "bill"])
                try await system.http { client in
                    for name in ["ann", "bill"] {
                        let ready = try await client.send(
                            .put, "/api/v1/administrators/me/availability", token: tokens[name],
                            json: #"{"available":true}"#, headers: [.prefer: "wait=10"])
                        #expect(ready.status == .ok)
                    }
                    let created = try await client.post(
                        "/api/v1/tickets", token: tokens["ada"], json: #"{"title":"VPN","description":"Down"}"#,
                        headers: [.prefer: "wait=10"])
                    #expect(created.json["status"] as? String == "assigned")
                    let id = try #require(created.json["id"] as? String)
                    let version = try #require(created.json["version"] as? Int)
                    let etag = try #require(
                        try await client.get("/api/v1/tickets/\(id)?minVersion=\(version)", token: tokens["ada"])
                            .headers[.eTag])
                    #expect(etag == "\"\(version)\"")
                    let outcomes = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                        for (user, status) in [("ann", "in_progress"), ("bill", "waiting_for_client")] {
                            group.addTask {
                                try await client.post(
                                    "/api/v1/tickets/\(id)/status", token: tokens[user],
                                    json: #"{"status":"\#(status)"}"#,
                                    headers: [.prefer: "wait=10", .ifMatch: etag]
                                ).status
                            }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                    #expect(outcomes.sorted { $0.code < $1.code } == [.ok, .preconditionFailed])
                    #expect(try await system.eventData(ticket: id, type: "status_changed").count == 1)
                }
            }
        }

        /// Every command type, delivered twice at once, is applied once: the same events, the
        /// same record, the same loads.
        @Test func everyCommandTypeDeliveredTwiceIsAppliedOnce() async throws {
            try await TestSystem.run { system in
                try await system.resetWork()
                let client = User(id: "dup-client", name: "Dup Client", roles: [.client])
                let ann = User(id: "dup-ann", name: "Dup Ann", roles: [.administrator])
                let bill = User(id: "dup-bill", name: "Dup Bill", roles: [.administrator])
                let manager = User(id: "dup-max", name: "Dup Max", roles: [.manager])
                let ticket = TicketID(UUID())
                let other = TicketID(UUID())
                func holder(_ id: TicketID) async throws -> User {
                    let rows = try await system.database.query(
                        "SELECT assignee_id FROM tickets WHERE id = \(id.rawValue)")
                    for try await assignee in rows.decode(String?.self) { return assignee == ann.id ? ann : bill }
                    throw TimedOut(description: "no ticket \(id)")
                }
                func twice(
                    _ command: TicketCommand, by issuer: User, on id: TicketID?, events expected: Int
                ) async throws {
                    let envelope = CommandEnvelope(
                        commandID: CommandID(UUID()), issuedAt: Date(), issuer: issuer, ticketID: id, command: command)
                    let message = OutgoingMessage(
                        exchange: Topology.commandsExchange, routingKey: command.type,
                        body: Array(try JSONCoding.encoder().encode(envelope)),
                        messageID: envelope.commandID.description,
                        type: command.type)
                    async let first: Void = system.publisher.publish(message)
                    async let second: Void = system.publisher.publish(message)
                    _ = try await (first, second)
                    try await eventually("\(command.type) is recorded") {
                        try await system.store.command(envelope.commandID) != nil
                    }
                    try await eventually("both copies of \(command.type) are consumed") {
                        try await system.administration.messageCount(queue: Topology.dispatcherQueue) == 0
                    }
                    let record = try await system.store.command(envelope.commandID)
                    #expect(record?.status == .done, "\(command.type): \(String(describing: record?.rejection))")
                    #expect(
                        try await system.count(
                            "SELECT count(*)::bigint FROM events WHERE command_id = \(envelope.commandID.rawValue)")
                            == expected, "\(command.type)")
                }
                try await twice(.registerAdministrator, by: ann, on: nil, events: 0)
                try await twice(.setAvailability(Availability(available: true)), by: bill, on: nil, events: 0)
                try await twice(
                    .create(NewTicket(title: "Dup", description: "Twice")), by: client, on: ticket, events: 2)
                try await twice(.postMessage(NewMessage(body: "Hello")), by: client, on: ticket, events: 1)
                try await twice(
                    .changeStatus(StatusChange(status: .waitingForClient)), by: try await holder(ticket), on: ticket,
                    events: 1)
                try await twice(
                    .changeStatus(StatusChange(status: .resolved)), by: try await holder(ticket), on: ticket, events: 1)
                try await twice(.reopen(Reopening(reason: "again")), by: client, on: ticket, events: 1)
                let next = try await holder(ticket) == ann ? bill : ann
                try await twice(.assign(AssigneeChange(administratorId: next.id)), by: manager, on: ticket, events: 1)
                // Handed back, it is assigned again by workload: two events.
                try await twice(.assign(AssigneeChange(administratorId: nil)), by: manager, on: ticket, events: 2)
                try await twice(
                    .changeStatus(StatusChange(status: .resolved)), by: try await holder(ticket), on: ticket, events: 1)
                try await twice(.confirm(Confirmation()), by: client, on: ticket, events: 1)
                try await twice(
                    .create(NewTicket(title: "Other", description: "Twice")), by: client, on: other, events: 2)
                try await twice(.cancel(Cancellation(reason: "never mind")), by: client, on: other, events: 1)
                try await twice(
                    .webhook(.register(NewWebhook(url: "https://twice.example.com", events: ["created"]))), by: manager,
                    on: nil, events: 0)
                #expect(try await system.count("SELECT count(*)::bigint FROM administrators WHERE load <> 0") == 0)
                try await system.expectEventsReplayToTheStoredTickets()
            }
        }
    }
}

extension DemoUser {
    static func id(_ username: String) -> String { all.first { $0.username == username }!.id }
}

extension TestSystem {
    /// Starts the assignment tests from nothing: no tickets, no administrators (the other suites'
    /// tickets would otherwise wait in the backlog and be given to the first administrator).
    func resetWork() async throws {
        try await database.query("TRUNCATE tickets, administrators")
    }

    func tokens(_ names: [String]) async throws -> [String: String] {
        var tokens: [String: String] = [:]
        for name in names { tokens[name] = try await token(name) }
        return tokens
    }

    /// The data of a ticket's events of `type`, in version order.
    func eventData(ticket: String, type: String) async throws -> [[String: Any]] {
        var found: [[String: Any]] = []
        let rows = try await database.query(
            "SELECT data::text FROM events WHERE ticket_id = \(UUID(uuidString: ticket)!) AND type = \(type) ORDER BY version"
        )
        for try await text in rows.decode(String.self) {
            found.append((try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:])
        }
        return found
    }

    /// Every ticket's version is its number of events, numbered 1…n without a gap.
    func expectEventsReplayToTheStoredTickets() async throws {
        let rows = try await database.query(
            """
            SELECT t.version, count(e.id)::int8, coalesce(max(e.version), 0)::int8
            FROM tickets t LEFT JOIN events e ON e.ticket_id = t.id GROUP BY t.id, t.version
            """)
        for try await (version, count, highest) in rows.decode((Int, Int, Int).self) {
            #expect(version == count && count == highest)
        }
    }
}

extension TestClientProtocol {
    func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String?, json: String, headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        headers[.contentType] = "application/json"
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: json))
    }
}
