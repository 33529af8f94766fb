import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SopzContract
import SopzDomain
import SopzPorts
import SopzProcessing
import SopzTestSupport
import Testing

@testable import Ingress

/// The live stream without sockets: who is handed which event, a slow client dropped rather
/// than buffered, every stream ended with its reason, the SSE wire format, and the stream at the
/// HTTP edge — resumed from `Last-Event-ID` and ended when the token expires.
@Suite(.timeLimit(.minutes(1))) struct LiveFeedTests {
    static func entry(_ position: Int64, ownedBy owner: User) -> FeedEntry {
        let ticket = Samples.ticket(owner: owner)
        return FeedEntry(
            position: position, ticketId: ticket.id, ownerID: owner.id,
            entry: HistoryEntry(
                eventId: UUID(), version: 1, actorId: owner.id, occurredAt: ticket.createdAt,
                change: .created(ticket)))
    }

    /// A started feed over an empty read model (its service is not run: the test delivers).
    static func feed(bufferLimit: Int = 100) async throws -> LiveFeed {
        let model = InMemoryWriteModel()
        let progress = ProjectionProgress(notifications: AsyncStream { $0.finish() })
        let feed = LiveFeed(
            readModel: model, progress: progress, logger: Logger(label: "test"), bufferLimit: bufferLimit)
        let running = Task { try await feed.run() }
        try await eventually("the feed has started") { feed.head != nil }
        // Stopped before the test subscribes: a stopping feed ends every stream.
        running.cancel()
        _ = await running.result
        return feed
    }

    /// Everything the subscription was handed, once it has ended.
    static func received(_ subscription: LiveFeed.Subscription) async -> [LiveFeed.Message] {
        var all: [LiveFeed.Message] = []
        for await message in subscription.messages { all.append(message) }
        return all
    }

    @Test func eachSubscriberIsHandedOnlyWhatItMaySee() async throws {
        let feed = try await Self.feed()
        let ada = try #require(feed.subscribe(Samples.client))
        let ben = try #require(feed.subscribe(Samples.otherClient))
        let ann = try #require(feed.subscribe(Samples.administrator))
        let adas = Self.entry(1, ownedBy: Samples.client)
        let bens = Self.entry(2, ownedBy: Samples.otherClient)
        feed.deliver([adas, bens])
        #expect(feed.head == 2)
        feed.endAll("shutdown")
        #expect(await Self.received(ada) == [.event(adas), .end("shutdown")])
        #expect(await Self.received(ben) == [.event(bens), .end("shutdown")])
        #expect(await Self.received(ann) == [.event(adas), .event(bens), .end("shutdown")])
        #expect(feed.subscriberCount == 0)
    }

    @Test func aClientThatFallsBehindIsDroppedNotBufferedWithoutBound() async throws {
        let feed = try await Self.feed(bufferLimit: 2)
        let slow = try #require(feed.subscribe(Samples.client))
        let entries = (1...5).map { Self.entry($0, ownedBy: Samples.client) }
        feed.deliver(entries)
        #expect(feed.subscriberCount == 0)
        // What fitted in its buffer, then the end: it reconnects and resumes from the last id.
        #expect(await Self.received(slow) == [.event(entries[0]), .event(entries[1])])
    }

    @Test func aSubscriptionStartsAtTheHeadAndEndsAlone() async throws {
        let feed = try await Self.feed()
        feed.deliver([Self.entry(7, ownedBy: Samples.client)])
        let first = try #require(feed.subscribe(Samples.client))
        let second = try #require(feed.subscribe(Samples.client))
        #expect(first.head == 7)
        feed.end(first.id, "expired")
        #expect(await Self.received(first) == [.end("expired")])
        #expect(feed.subscriberCount == 1)
        feed.end(second.id, "closed")
    }

    @Test func noSubscriptionBeforeTheFeedKnowsWhereTheReadModelStands() {
        let progress = ProjectionProgress(notifications: AsyncStream { $0.finish() })
        let feed = LiveFeed(readModel: InMemoryWriteModel(), progress: progress, logger: Logger(label: "test"))
        #expect(feed.subscribe(Samples.client) == nil)
        #expect(feed.head == nil)
    }

    @Test func messagesInTheServerSentEventsFormat() throws {
        let entry = Self.entry(42, ownedBy: Samples.client)
        let text = LiveRoutes.text(of: .event(entry))
        #expect(text.hasPrefix("id: 42\nevent: ticket.created\ndata: {"))
        #expect(text.hasSuffix("}\n\n"))
        let data = try #require(text.split(separator: "\n").first { $0.hasPrefix("data: ") }?.dropFirst(6))
        let object = try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
        #expect(object?["position"] as? Int == 42)
        #expect((object?["ticketId"] as? String)?.lowercased() == entry.ticketId.description)
        #expect(object?["ownerID"] == nil)
        #expect(LiveRoutes.text(of: .heartbeat) == ": keep-alive\n\n")
        #expect(LiveRoutes.text(of: .end("expired")) == "event: end\ndata: expired\n\n")
    }

    @Test func aResumePositionIsAnEventIDOrNothing() throws {
        #expect(try LiveRoutes.resumePosition(lastEventID: nil, after: nil) == nil)
        #expect(try LiveRoutes.resumePosition(lastEventID: "12", after: "3") == 12)
        #expect(try LiveRoutes.resumePosition(lastEventID: nil, after: "3") == 3)
        for bad in ["x", "-1", "1.5", ""] {
            #expect(throws: Problem.self) { try LiveRoutes.resumePosition(lastEventID: bad, after: nil) }
        }
    }

    /// A GET for the live stream at the edge, with a token that expires in a moment.
    static func stream(
        _ client: any TestClientProtocol, ingress: InMemoryIngress, as username: String, expiresIn seconds: Double,
        lastEventID: String? = nil
    ) async throws -> TestResponse {
        let user = try #require(DemoUser.all.first { $0.username == username })
        let lifetime = ingress.issuer.tokenLifetime
        let token = try await ingress.issuer.token(for: user, now: Date().addingTimeInterval(seconds - lifetime))
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        if let lastEventID { headers[.lastEventID] = lastEventID }
        return try await client.execute(uri: "/api/v1/live", method: .get, headers: headers, body: nil)
    }

    @Test func aResumedStreamReplaysWhatTheUserMissedAndEndsWhenTheTokenExpires() async throws {
        let ingress = try await InMemoryIngress.make()
        let applier = CommandApplier(store: ingress.model, rules: TicketRules.decide)
        let ada = DemoUser.all[0]
        let ben = DemoUser.all[1]
        let adas = Samples.create(title: "Ada's", by: User(id: ada.id, name: ada.name, roles: ada.roles))
        let bens = Samples.create(title: "Ben's", by: User(id: ben.id, name: ben.name, roles: ben.roles))
        _ = try await applier.apply(adas)
        _ = try await applier.apply(bens)
        let (mine, theirs) = (try #require(adas.ticketID), try #require(bens.ticketID))
        try await ingress.test { client in
            try await eventually("the feed has started") { ingress.dependencies.live.head == 2 }
            let response = try await Self.stream(client, ingress: ingress, as: "ada", expiresIn: 1, lastEventID: "0")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            #expect(response.headers[.cacheControl] == "no-store")
            let text = String(buffer: response.body)
            #expect(text.hasPrefix("retry: 2000\n: connected\n\n"))
            #expect(text.contains("id: 1\nevent: ticket.created\n"))
            #expect(text.contains(mine.description))
            #expect(!text.contains(theirs.description))
            #expect(text.hasSuffix("event: end\ndata: expired\n\n"))
            #expect(ingress.dependencies.live.subscriberCount == 0)
        }
    }

    @Test func aResumePositionThatIsNoEventIDIsABadRequest() async throws {
        let ingress = try await InMemoryIngress.make()
        try await ingress.test { client in
            try await eventually("the feed has started") { ingress.dependencies.live.head != nil }
            let response = try await Self.stream(
                client, ingress: ingress, as: "ben", expiresIn: 60, lastEventID: "soon")
            #expect(response.status == .badRequest)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(ingress.dependencies.live.subscriberCount == 0)
        }
    }
}
