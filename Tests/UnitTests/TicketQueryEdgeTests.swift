import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import SopzContract
import SopzDomain
import SopzTestSupport
import Testing

@testable import Ingress

/// The reads at the HTTP edge, against the in-memory read model: who sees which tickets, the
/// list's filters and pages, the chat's `after` and `ETag`, the history — and every malformed
/// parameter a 400 problem naming it. (The SQL behind them is tested against PostgreSQL in
/// `ReadModelTests`.)
@Suite struct TicketQueryEdgeTests {
    static let ada = DemoUser.all[0]
    static let ben = DemoUser.all[1]
    static let ann = DemoUser.all[2]

    static func user(_ demo: DemoUser) -> User { User(id: demo.id, name: demo.name, roles: demo.roles) }

    /// ada's tickets opened a minute apart (the last is the newest), one of ben's, and one of
    /// ada's assigned to ann.
    static func ingress() async throws -> (InMemoryIngress, [Ticket]) {
        let ingress = try await InMemoryIngress.make()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var tickets = (0..<5).map { index in
            Samples.ticket(owner: user(ada), at: start.addingTimeInterval(Double(index) * 60))
        }
        tickets.append(Samples.ticket(owner: user(ben), at: start.addingTimeInterval(30)))
        tickets[1].assigneeID = ann.id
        tickets[1].status = .assigned
        tickets[2].title = "Scanner smells of smoke"
        tickets[2].category = "hardware"
        for ticket in tickets { ingress.model.insert(ticket) }
        return (ingress, tickets)
    }

    static func get(
        _ client: any TestClientProtocol, _ path: String, as user: DemoUser, ingress: InMemoryIngress,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        headers[.authorization] = "Bearer \(try await ingress.token(user.username))"
        return try await client.execute(uri: path, method: .get, headers: headers, body: nil)
    }

    static func body(_ response: TestResponse) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
    }

    static func ids(_ response: TestResponse) -> [String] {
        let page = Self.body(response)
        return (page?["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
    }

    static func lowercased(_ tickets: [Ticket]) -> [String] { tickets.map { $0.id.description } }

    @Test func clientsListOnlyTheirOwnNewestFirstAndStaffListEveryone() async throws {
        let (ingress, tickets) = try await Self.ingress()
        try await ingress.test { client in
            let ada = try await Self.get(client, "/api/v1/tickets", as: Self.ada, ingress: ingress)
            #expect(ada.status == .ok)
            #expect(Self.ids(ada) == Self.lowercased(tickets[0..<5].reversed()))
            let ben = try await Self.get(client, "/api/v1/tickets", as: Self.ben, ingress: ingress)
            #expect(Self.ids(ben) == [tickets[5].id.description])
            let ann = try await Self.get(client, "/api/v1/tickets", as: Self.ann, ingress: ingress)
            #expect(Set(Self.ids(ann)) == Set(Self.lowercased(tickets)))
        }
    }

    @Test func filtersNarrowTheList() async throws {
        let (ingress, tickets) = try await Self.ingress()
        try await ingress.test { client in
            func ids(_ query: String, as user: DemoUser = Self.ann) async throws -> Set<String> {
                let response = try await Self.get(client, "/api/v1/tickets?" + query, as: user, ingress: ingress)
                #expect(response.status == .ok, "\(query)")
                return Set(Self.ids(response))
            }
            let expectations: [(String, DemoUser, Set<String>)] = [
                ("assignee=me", Self.ann, [tickets[1].id.description]),
                ("assignee=\(Self.ann.id)", Self.ann, [tickets[1].id.description]),
                ("assignee=none", Self.ann, Set(Self.lowercased(tickets.filter { $0.assigneeID == nil }))),
                ("status=assigned,closed", Self.ann, [tickets[1].id.description]),
                ("status=assigned&status=new", Self.ann, Set(Self.lowercased(tickets))),
                ("category=hardware", Self.ann, [tickets[2].id.description]),
                ("q=scanner", Self.ann, [tickets[2].id.description]),
                ("q=scanner", Self.ben, []),
                ("q=%20%20", Self.ann, Set(Self.lowercased(tickets))),
                (
                    "createdFrom=\(JSONCoding.timestamp(tickets[3].createdAt))", Self.ann,
                    Set(Self.lowercased([tickets[3], tickets[4]]))
                ),
                ("createdBefore=2027-01-15T08:00:00%2B03:00", Self.ann, []),
            ]
            for (query, user, expected) in expectations {
                let found = try await ids(query, as: user)
                #expect(found == expected, "\(query)")
            }
        }
    }

    @Test func cursorPagesCoverTheListOnceWhileTicketsAreAdded() async throws {
        let (ingress, tickets) = try await Self.ingress()
        try await ingress.test { client in
            var seen: [String] = []
            var path = "/api/v1/tickets?limit=2"
            while true {
                let response = try await Self.get(client, path, as: Self.ada, ingress: ingress)
                seen += Self.ids(response)
                // A newer ticket arrives between pages: it belongs before the first page.
                ingress.model.insert(
                    Samples.ticket(owner: Self.user(Self.ada), at: Date(timeIntervalSince1970: 1_900_000_000)))
                guard let next = Self.body(response)?["nextCursor"] as? String else { break }
                path = "/api/v1/tickets?limit=2&cursor=\(next)"
            }
            #expect(seen == Self.lowercased(tickets[0..<5].reversed()))
        }
    }

    static let badParameters = [
        "status=done", "limit=0", "limit=201", "limit=x", "cursor=nonsense", "cursor=WyJ4IiwieSJd",
        "createdFrom=yesterday", "createdBefore=2026-13-01T00:00:00Z", "sort=title",
        "q=\(String(repeating: "x", count: 201))",
        "q=%00", "assignee=", "category=",
    ]

    @Test(arguments: badParameters) func aMalformedParameterIsABadRequestNamingIt(_ query: String) async throws {
        let (ingress, _) = try await Self.ingress()
        try await ingress.test { client in
            let response = try await Self.get(client, "/api/v1/tickets?" + query, as: Self.ann, ingress: ingress)
            #expect(response.status == .badRequest)
            #expect(response.headers[.contentType] == "application/problem+json")
            let violations = Self.body(response)?["violations"] as? [[String: Any]]
            #expect(violations?.first?["field"] as? String == String(query.prefix { $0 != "=" }))
        }
    }

    @Test func theChatPagesAfterAMessageAndRevalidatesWithItsETag() async throws {
        let ingress = try await InMemoryIngress.make(dispatching: true)
        let ticket = Samples.ticket(owner: Self.user(Self.ada))
        ingress.model.insert(ticket)
        try await ingress.test { client in
            for (body, user) in [("First", Self.ada), ("Second", Self.ann), ("Third", Self.ada)] {
                var headers: HTTPFields = [.contentType: "application/json", .prefer: "wait=5"]
                headers[.authorization] = "Bearer \(try await ingress.token(user.username))"
                let posted = try await client.execute(
                    uri: "/api/v1/tickets/\(ticket.id)/messages", method: .post, headers: headers,
                    body: ByteBuffer(string: #"{"body":"\#(body)"}"#))
                #expect(posted.status == .ok)
            }
            let path = "/api/v1/tickets/\(ticket.id)/messages"
            let all = try await Self.get(client, path, as: Self.ada, ingress: ingress)
            let items = try #require(Self.body(all)?["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["body"] as? String } == ["First", "Second", "Third"])
            let tag = try #require(all.headers[.eTag])
            let unchanged = try await Self.get(
                client, path, as: Self.ada, ingress: ingress, headers: [.ifNoneMatch: tag])
            #expect(unchanged.status == .notModified)
            #expect(unchanged.body.readableBytes == 0)

            let first = try #require(items.first?["messageId"] as? String)
            let later = try await Self.get(client, path + "?after=\(first)&limit=1", as: Self.ann, ingress: ingress)
            let page = Self.body(later)
            #expect((page?["items"] as? [[String: Any]])?.compactMap { $0["body"] as? String } == ["Second"])
            #expect(page?["nextCursor"] as? String == items[1]["messageId"] as? String)
            #expect(later.headers[.eTag] != tag)

            let stranger = try await Self.get(client, path, as: Self.ben, ingress: ingress)
            #expect(stranger.status == .notFound)
            let unknown = try await Self.get(client, path + "?after=\(UUID())", as: Self.ada, ingress: ingress)
            #expect(unknown.status == .badRequest)
            let malformed = try await Self.get(client, path + "?after=7", as: Self.ada, ingress: ingress)
            #expect(malformed.status == .badRequest)
        }
    }

    @Test func historySaysWhoDidWhatInOrderAndPages() async throws {
        let ingress = try await InMemoryIngress.make(dispatching: true)
        let ticket = Samples.ticket(owner: Self.user(Self.ada))
        ingress.model.insert(ticket)
        try await ingress.test { client in
            var headers: HTTPFields = [.contentType: "application/json", .prefer: "wait=5"]
            headers[.authorization] = "Bearer \(try await ingress.token("ada"))"
            for body in [#"{"body":"Hello"}"#, #"{"body":"Anyone?"}"#] {
                _ = try await client.execute(
                    uri: "/api/v1/tickets/\(ticket.id)/messages", method: .post, headers: headers,
                    body: ByteBuffer(string: body))
            }
            _ = try await client.execute(
                uri: "/api/v1/tickets/\(ticket.id)/cancel", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"reason":"Fixed"}"#))
            let path = "/api/v1/tickets/\(ticket.id)/history"
            let first = try await Self.get(client, path + "?limit=2", as: Self.ann, ingress: ingress)
            let page = try #require(Self.body(first))
            let entries = try #require(page["items"] as? [[String: Any]])
            #expect(entries.compactMap { $0["type"] as? String } == ["message_posted", "message_posted"])
            #expect(entries.compactMap { $0["actorId"] as? String } == [Self.ada.id, Self.ada.id])
            #expect((entries.first?["data"] as? [String: Any])?["body"] as? String == "Hello")
            let cursor = try #require(page["nextCursor"] as? String)
            let rest = try await Self.get(client, path + "?cursor=\(cursor)", as: Self.ada, ingress: ingress)
            let last = Self.body(rest)?["items"] as? [[String: Any]]
            #expect(last?.compactMap { $0["type"] as? String } == ["cancelled"])
            #expect(Self.body(rest)?["nextCursor"] is NSNull)
            let stranger = try await Self.get(client, path, as: Self.ben, ingress: ingress)
            #expect(stranger.status == .notFound)
        }
    }

    @Test func aTicketAnswersIfNoneMatchWith304AndAReachedMinVersionAtOnce() async throws {
        let (ingress, tickets) = try await Self.ingress()
        try await ingress.test { client in
            let path = "/api/v1/tickets/\(tickets[0].id)"
            let current = try await Self.get(
                client, path, as: Self.ada, ingress: ingress, headers: [.ifNoneMatch: #"W/"1""#])
            #expect(current.status == .notModified)
            #expect(current.headers[.eTag] == #""1""#)
            let reached = try await Self.get(client, path + "?minVersion=1", as: Self.ada, ingress: ingress)
            #expect(reached.status == .ok)
            let malformed = try await Self.get(client, path + "?minVersion=0", as: Self.ada, ingress: ingress)
            #expect(malformed.status == .badRequest)
        }
    }
}

/// Waiting for the projector, without a database: a wait ends when a step is announced, or at
/// its deadline, and a step announced between a look and the wait is not missed.
@Suite struct ProjectionProgressTests {
    @Test func aWaitEndsWhenAStepIsAnnouncedOrAtItsDeadline() async throws {
        let (steps, announce) = AsyncStream.makeStream(of: String.self)
        let progress = ProjectionProgress(notifications: steps)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await progress.run() }
            let noted = progress.steps
            let started = ContinuousClock.now
            await progress.wait(after: noted, until: .now + .milliseconds(50))
            #expect(ContinuousClock.now - started >= .milliseconds(50))
            #expect(progress.steps == noted)

            async let woken: Void = progress.wait(after: noted, until: .now + .seconds(30))
            announce.yield("")
            await woken
            #expect(progress.steps == noted + 1)
            // Already moved on since it was noted: no wait at all.
            let again = ContinuousClock.now
            await progress.wait(after: noted, until: .now + .seconds(30))
            #expect(ContinuousClock.now - again < .seconds(5))
            announce.finish()
            try await group.waitForAll()
        }
    }

    @Test func aMinVersionTheReadModelDoesNotReachInTimeIsReadModelBehind() async throws {
        let ticket = Samples.ticket()
        let owner = Samples.client
        let model = InMemoryWriteModel()
        model.insert(ticket)
        let progress = ProjectionProgress(notifications: AsyncStream { $0.finish() })
        var written = ticket
        written.version = 2
        let writeModel = InMemoryWriteModel()
        writeModel.insert(written)
        let reads = ReadYourWrites(
            readModel: model, progress: progress, writeModel: writeModel, wait: .milliseconds(100))
        #expect(try await reads.ticket(ticket.id, minVersion: 1, for: owner) == ticket)
        // Version 2 exists in the write model: worth waiting for, and it does not come.
        await #expect(throws: Problem.self) { try await reads.ticket(ticket.id, minVersion: 2, for: owner) }
        // Version 3 exists nowhere, nor does another ticket: nothing to wait for.
        #expect(try await reads.ticket(ticket.id, minVersion: 3, for: owner) == ticket)
        #expect(try await reads.ticket(TicketID(UUID()), minVersion: 1, for: owner) == nil)
        // Someone else's ticket is not waited for: a stranger learns nothing from the delay.
        let stranger = User(id: "someone-else", name: "Ben", roles: [.client])
        #expect(try await reads.ticket(ticket.id, minVersion: 2, for: stranger) == ticket)
    }
}
