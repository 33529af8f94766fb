import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import SopzDomain
import SopzRuntime
import SopzTestSupport
import Testing

@testable import Dispatcher
@testable import Ingress
@testable import Projector

extension Integration {
    /// The API's queries against the real read database, built by a real projector from what
    /// real dispatchers wrote: filters, Russian and English search over tickets and chat, pages,
    /// the chat cache's `after` and `ETag`, history, read-your-writes — and reads that keep
    /// working while RabbitMQ, every dispatcher or the write database is down.
    @Suite struct ReadModelTests {
        /// What `openTickets` made: ada's printer ticket (A, in progress, with chat), ben's monitor
        /// ticket (B, assigned) and ada's VPN ticket (C, back in the pool, with chat).
        struct Desk {
            let a: String
            let b: String
            let c: String
            let tokens: [String: String]
        }

        /// Opens the three tickets of `Desk` and waits until the read model shows all of it.
        static func openTickets(_ system: TestSystem, client: any TestClientProtocol) async throws -> Desk {
            try await ReadModel.withClient(system.settings) { read in
                try await ReadModel.reset(write: system.database, read: read)
            }
            let tokens = try await system.tokens(["ada", "ben", "ann", "max"])
            let wait: HTTPFields = [.prefer: "wait=10"]
            func open(_ user: String, _ title: String, _ description: String) async throws -> String {
                let created = try await client.post(
                    "/api/v1/tickets", token: tokens[user],
                    json: #"{"title":"\#(title)","description":"\#(description)"}"#, headers: wait)
                #expect(created.status == .created)
                return try #require(created.json["id"] as? String)
            }
            func command(_ path: String, _ user: String, _ body: String, put: Bool = false) async throws -> Int {
                let response = try await client.send(
                    put ? .put : .post, path, token: tokens[user], json: body, headers: wait)
                #expect(response.status == .ok, "\(path): \(response.json)")
                return response.json["version"] as? Int ?? 0
            }
            let a = try await open("ada", "Принтер не печатает", "Третий этаж, большой")
            let b = try await open("ben", "Монитор мигает", "Since Monday")
            let c = try await open("ada", "VPN drops", "The printers upstairs work, my VPN does not")
            _ = try await command("/api/v1/administrators/me/availability", "ann", #"{"available":true}"#, put: true)
            _ = try await command("/api/v1/administrators/me/availability", "ann", #"{"available":false}"#, put: true)
            _ = try await command(
                "/api/v1/tickets/\(c)/assignee", "max", #"{"administratorId":null,"reason":"Network team"}"#)
            let lastOfC = try await command("/api/v1/tickets/\(c)/messages", "ada", #"{"body":"Paper jams too"}"#)
            _ = try await command("/api/v1/tickets/\(a)/messages", "ann", #"{"body":"Положите бумагу в лоток"}"#)
            let lastOfA = try await command("/api/v1/tickets/\(a)/status", "ann", #"{"status":"in_progress"}"#)
            // Read-your-writes: each last change is visible once its version is.
            for (id, version) in [(a, lastOfA), (c, lastOfC), (b, 2)] {
                let shown = try await client.get("/api/v1/tickets/\(id)?minVersion=\(version)", token: tokens["max"])
                #expect(shown.status == .ok)
                #expect(shown.json["version"] as? Int == version)
            }
            return Desk(a: a, b: b, c: c, tokens: tokens)
        }

        static func ids(_ response: TestResponse) -> [String] {
            (response.json["items"] as? [[String: Any]])?.compactMap { ($0["id"] as? String)?.lowercased() } ?? []
        }

        @Test func theListFiltersSearchesAndPagesFromTheReadDatabase() async throws {
            try await TestSystem.run { system in
                try await system.resetWork()
                try await system.http { client in
                    let desk = try await Self.openTickets(system, client: client)
                    let (a, b, c) = (desk.a, desk.b, desk.c)
                    func ids(_ query: String, as user: String = "max") async throws -> [String] {
                        let response = try await client.get("/api/v1/tickets?" + query, token: desk.tokens[user])
                        #expect(response.status == .ok, "\(query): \(response.json)")
                        return Self.ids(response)
                    }
                    let expectations: [(String, String, [String])] = [
                        ("", "ada", [c, a]),
                        ("", "ben", [b]),
                        ("", "max", [c, b, a]),
                        ("sort=updated", "max", [a, c, b]),
                        ("status=in_progress", "max", [a]),
                        ("status=assigned,in_progress", "max", [b, a]),
                        ("assignee=me", "ann", [b, a]),
                        ("assignee=none", "ann", [c]),
                        // Word forms: Russian and English stemming, title, description and chat.
                        ("q=принтеры", "max", [a]),
                        ("q=printer", "max", [c]),
                        ("q=бумага", "max", [a]),
                        ("q=jam", "max", [c]),
                        ("q=%22third%20floor%22%20OR%20monday", "max", [b]),
                        ("q=монитор", "ada", []),
                        ("createdFrom=2000-01-01T00:00:00Z", "max", [c, b, a]),
                        ("createdBefore=2000-01-01T00:00:00%2B03:00", "max", []),
                    ]
                    for (query, user, expected) in expectations {
                        let found = try await ids(query, as: user)
                        #expect(found == expected, "\(query) as \(user)")
                    }
                    // Pages of one: every ticket once, while a newer one arrives between pages.
                    var seen: [String] = []
                    var path = "/api/v1/tickets?limit=1"
                    while true {
                        let page = try await client.get(path, token: desk.tokens["max"])
                        seen += Self.ids(page)
                        _ = try await client.post(
                            "/api/v1/tickets", token: desk.tokens["ada"], json: #"{"title":"Later","description":"x"}"#,
                            headers: [.prefer: "wait=10"])
                        guard let next = page.json["nextCursor"] as? String else { break }
                        path = "/api/v1/tickets?limit=1&cursor=\(next)"
                    }
                    #expect(seen == [c, b, a])
                }
            }
        }

        @Test func theChatRevalidatesAndTheHistorySaysWhoDidWhat() async throws {
            try await TestSystem.run { system in
                try await system.resetWork()
                try await system.http { client in
                    let desk = try await Self.openTickets(system, client: client)
                    let path = "/api/v1/tickets/\(desk.a)/messages"
                    let chat = try await client.get(path, token: desk.tokens["ada"])
                    #expect(chat.status == .ok)
                    let items = try #require(chat.json["items"] as? [[String: Any]])
                    #expect(items.compactMap { $0["body"] as? String } == ["Положите бумагу в лоток"])
                    #expect(items.first?["authorRole"] as? String == "administrator")
                    let tag = try #require(chat.headers[.eTag])
                    var headers: HTTPFields = [.authorization: "Bearer \(desk.tokens["ada"]!)", .ifNoneMatch: tag]
                    let unchanged = try await client.execute(uri: path, method: .get, headers: headers, body: nil)
                    #expect(unchanged.status == .notModified)
                    let first = try #require(items.first?["messageId"] as? String)
                    let posted = try await client.send(
                        .post, path, token: desk.tokens["ada"], json: #"{"body":"Спасибо"}"#,
                        headers: [.prefer: "wait=10"])
                    let version = try #require(posted.json["version"] as? Int)
                    headers[.ifNoneMatch] = nil
                    let newer = try await client.get(
                        path + "?after=\(first)&minVersion=\(version)", token: desk.tokens["ada"])
                    #expect(
                        (newer.json["items"] as? [[String: Any]])?.compactMap { $0["body"] as? String } == ["Спасибо"])
                    #expect(try await client.get(path, token: desk.tokens["ben"]).status == .notFound)

                    let history = try await client.get("/api/v1/tickets/\(desk.a)/history", token: desk.tokens["ada"])
                    let entries = try #require(history.json["items"] as? [[String: Any]])
                    #expect(
                        entries.compactMap { $0["type"] as? String } == [
                            "created", "assigned", "message_posted", "status_changed", "message_posted",
                        ])
                    #expect(entries.compactMap { $0["version"] as? Int } == [1, 2, 3, 4, 5])
                    #expect(entries[3]["actorId"] as? String == DemoUser.all[2].id)
                    #expect((entries[3]["data"] as? [String: Any])?["to"] as? String == "in_progress")
                }
            }
        }

        /// Statistics and the export from PostgreSQL's own counting, grouping and percentiles.
        @Test func statisticsAndTheExportComeFromTheReadDatabase() async throws {
            try await TestSystem.run { system in
                try await system.resetWork()
                try await system.http { client in
                    let desk = try await Self.openTickets(system, client: client)
                    let resolved = try await client.send(
                        .post, "/api/v1/tickets/\(desk.b)/status", token: desk.tokens["ann"],
                        json: #"{"status":"resolved"}"#, headers: [.prefer: "wait=10"])
                    let version = try #require(resolved.json["version"] as? Int)
                    let shown = try await client.get(
                        "/api/v1/tickets/\(desk.b)?minVersion=\(version)", token: desk.tokens["max"])
                    #expect(shown.json["status"] as? String == "resolved")

                    let response = try await client.get("/api/v1/stats?days=2", token: desk.tokens["ann"])
                    #expect(response.status == .ok, "\(response.json)")
                    let stats = response.json
                    let byStatus = try #require(stats["byStatus"] as? [String: Int])
                    #expect(byStatus["in_progress"] == 1 && byStatus["resolved"] == 1 && byStatus["new"] == 1)
                    #expect(byStatus.values.reduce(0, +) == 3)
                    let backlog = try #require(stats["backlog"] as? [String: Any])
                    #expect(backlog["size"] as? Int == 1)
                    let loads = try #require(stats["administrators"] as? [[String: Any]])
                    let ann = try #require(loads.first { $0["administratorId"] as? String == DemoUser.id("ann") })
                    #expect(ann["load"] as? Int == 1)
                    #expect(ann["available"] as? Bool == false)
                    let resolution = try #require(stats["resolution"] as? [String: Any])
                    #expect(resolution["resolved"] as? Int == 1)
                    let p50 = try #require(resolution["p50Seconds"] as? Double)
                    #expect(p50 > 0 && p50 < 120 && resolution["p90Seconds"] as? Double == p50)
                    let days = try #require(stats["perDay"] as? [[String: Any]])
                    #expect(days.count == 2)
                    #expect(days.last?["created"] as? Int == 3 && days.last?["resolved"] as? Int == 1)

                    let export = try await client.get("/api/v1/exports/tickets.csv", token: desk.tokens["max"])
                    #expect(export.status == .ok)
                    let lines = export.text.components(separatedBy: "\r\n")
                    #expect(lines.first?.hasPrefix("id,status,title,description,") == true)
                    #expect(
                        lines.dropFirst().compactMap { $0.split(separator: ",").first.map(String.init) } == [
                            desk.c, desk.b, desk.a,
                        ])
                    let found = try await client.get(
                        "/api/v1/exports/tickets.csv?q=%D0%B1%D1%83%D0%BC%D0%B0%D0%B3%D0%B0", token: desk.tokens["max"])
                    #expect(found.text.components(separatedBy: "\r\n").dropFirst().first?.hasPrefix(desk.a) == true)
                    let forbidden = try await client.get("/api/v1/exports/tickets.csv", token: desk.tokens["ann"])
                    #expect(forbidden.status == .forbidden)
                }
            }
        }

        /// Read-your-writes when the projector is behind: a read asking for the version a done
        /// command reported waits for it, and says so when it does not come.
        @Test func aReadForAVersionWaitsForTheProjectorAndSaysWhenItIsBehind() async throws {
            try await TestSystem.run(projector: false) { system in
                try await ReadModel.withClient(system.settings) { read in
                    try await ReadModel.reset(write: system.database, read: read)
                }
                let ada = try await system.token("ada")
                try await system.http { client in
                    let created = try await client.post(
                        "/api/v1/tickets", token: ada, json: #"{"title":"Lag","description":"Behind"}"#,
                        headers: [.prefer: "wait=10"])
                    let id = try #require(created.json["id"] as? String)
                    let behind = try await client.get("/api/v1/tickets/\(id)?minVersion=1", token: ada)
                    #expect(behind.status == .serviceUnavailable)
                    #expect(behind.json["type"] as? String == "https://sopz.dev/problems/read-model-behind")
                    #expect(behind.headers[.retryAfter] == "1")
                    #expect(try await client.get("/api/v1/tickets/\(id)", token: ada).status == .notFound)

                    let logger = TestEnvironment.logger("projector")
                    try await withServices([buildProjector(settings: system.settings, logger: logger)], logger: logger)
                    {
                        let shown = try await client.get("/api/v1/tickets/\(id)?minVersion=1", token: ada)
                        #expect(shown.status == .ok)
                        #expect(shown.json["title"] as? String == "Lag")
                    }
                }
            }
        }

        /// Every read answers, from the read database alone, while `server` is stopped.
        static func readsWork(while server: String?, dispatcher: Bool = true) async throws {
            try await TestSystem.run(dispatcher: dispatcher) { system in
                try await system.resetWork()
                let desk = try await Self.deskWithDispatcher(system, running: !dispatcher)
                if let server { try TestEnvironment.servers("stop-\(server)") }
                do {
                    try await system.http { client in
                        let max = desk.tokens["max"]
                        let reads = [
                            "/api/v1/tickets", "/api/v1/tickets?q=бумага", "/api/v1/tickets/\(desk.a)",
                            "/api/v1/tickets/\(desk.a)/messages", "/api/v1/tickets/\(desk.a)/history",
                            "/api/v1/administrators", "/api/v1/stats", "/api/v1/exports/tickets.csv",
                        ]
                        for path in reads {
                            let response = try await client.get(path, token: max)
                            #expect(response.status == .ok, "\(path) while \(server ?? "the dispatchers") down")
                        }
                        let list = try await client.get("/api/v1/tickets", token: max)
                        #expect(Self.ids(list) == [desk.c, desk.b, desk.a])
                        let ready = try await client.get("/readyz", token: nil)
                        #expect(ready.status == .ok, "\(ready.json)")
                        #expect(ready.json["readDatabase"] as? String == "up")
                    }
                } catch {
                    if let server { try TestEnvironment.servers("start-\(server)") }
                    throw error
                }
                if let server { try TestEnvironment.servers("start-\(server)") }
            }
        }

        /// `openTickets`, with a dispatcher of its own when the system runs none.
        static func deskWithDispatcher(_ system: TestSystem, running: Bool) async throws -> Desk {
            let open: @Sendable () async throws -> Desk = {
                try await system.http { client in try await Self.openTickets(system, client: client) }
            }
            guard running else { return try await open() }
            let logger = TestEnvironment.logger("dispatcher")
            let desk = Locked<Desk?>(nil)
            try await withServices(
                [try buildDispatcher(settings: system.settings, options: DispatcherOptions(), logger: logger)],
                logger: logger
            ) { desk.set(try await open()) }
            return try #require(desk.value)
        }

        @Test func readsWorkWhileRabbitMQIsDown() async throws {
            try await Self.readsWork(while: "rabbitmq")
        }

        @Test func readsWorkWhileEveryDispatcherIsDown() async throws {
            try await Self.readsWork(while: nil, dispatcher: false)
        }

        @Test func readsWorkWhileTheWriteDatabaseIsDown() async throws {
            try await Self.readsWork(while: "postgres")
        }
    }
}
