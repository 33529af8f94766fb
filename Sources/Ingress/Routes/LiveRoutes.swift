import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SopzContract
import SopzDomain
import SopzPorts

/// `GET /api/v1/live`: the events the caller may see, pushed as Server-Sent Events.
///
/// SSE rather than a WebSocket: the push is one-way (commands go through the API, with their
/// idempotency keys), it rides the same HTTP/2 listener as the API (hummingbird-websocket upgrades
/// only HTTP/1.1 connections), multiplexed beside the API calls, and resuming is built into the
/// protocol (`Last-Event-ID`). A browser reads it with `fetch` and a streamed body, which —
/// unlike `EventSource` or a WebSocket — can send `Authorization: Bearer`, so the token never
/// travels in a URL. The stream ends when the token expires (`event: end`, `data: expired`).
struct LiveRoutes: Sendable {
    let feed: LiveFeed
    let readModel: any ReadModelReading
    /// How many missed events a resuming client is sent; further behind, it is told to reload.
    static let replayLimit = 1_000

    func register(on api: RouterGroup<SopzRequestContext>) {
        api.on(AccessMatrix.live, use: stream)
    }

    @Sendable func stream(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let resumeFrom = try Self.resumePosition(
            lastEventID: request.headers[.lastEventID], after: request.uri.queryParameters["after"].map(String.init))
        let expires = context.tokenExpires ?? .distantFuture
        guard let subscription = feed.subscribe(user) else {
            throw Problem.unavailable("the live stream is starting; try again in a moment")
        }
        var missed: [FeedEntry] = []
        var behind = false
        if let resumeFrom, resumeFrom < subscription.head {
            do {
                let page = try await readModel.feed(after: resumeFrom, limit: Self.replayLimit + 1)
                    .filter { $0.position <= subscription.head }
                behind = page.count > Self.replayLimit
                missed = behind ? [] : page.filter { $0.isVisible(to: user) }
            } catch {
                feed.end(subscription.id, "unavailable")
                throw Problem.unavailable("the live stream cannot be resumed right now")
            }
        }
        let headers: HTTPFields = [
            .contentType: "text/event-stream", .cacheControl: "no-store", .init("X-Accel-Buffering")!: "no",
        ]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { [feed, missed, behind] writer in
                // However the stream ends (the client went away, a write failed), it unsubscribes.
                defer { feed.end(subscription.id, "closed") }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        if (try? await Task.sleep(for: .seconds(max(0, expires.timeIntervalSinceNow)))) != nil {
                            feed.end(subscription.id, "expired")
                        }
                    }
                    defer { group.cancelAll() }
                    try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
                    if behind { try await writer.write(ByteBuffer(string: Self.text(of: .end("reset")))) }
                    var last = subscription.head
                    for entry in missed { try await writer.write(ByteBuffer(string: Self.text(of: .event(entry)))) }
                    if !behind {
                        for await message in subscription.messages {
                            if case .event(let entry) = message {
                                guard entry.position > last else { continue }
                                last = entry.position
                            }
                            try await writer.write(ByteBuffer(string: Self.text(of: message)))
                        }
                    }
                    try await writer.finish(nil)
                }
            })
    }

    /// Where a reconnecting client stopped: `Last-Event-ID` (what a browser's SSE client sends)
    /// or `?after=`; nil for a fresh stream. Anything but a position is a 400.
    static func resumePosition(lastEventID: String?, after: String?) throws -> Int64? {
        guard let text = lastEventID ?? after else { return nil }
        guard let position = Int64(text.trimmingCharacters(in: .whitespaces)), position >= 0 else {
            throw Problem.badRequest(
                "Last-Event-ID and after must be the id of an event this stream sent",
                violations: [.init(field: lastEventID != nil ? "Last-Event-ID" : "after", message: "not an event id")])
        }
        return position
    }

    /// One message in the SSE wire format: `id` is the event's position, `event` its routing key
    /// (`ticket.created`, …), `data` the event as `GET /tickets/{id}/history` shows it, with its
    /// `position` and `ticketId`.
    static func text(of message: LiveFeed.Message) -> String {
        switch message {
        case .event(let entry):
            let data = (try? JSONCoding.encoder().encode(entry)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return "id: \(entry.position)\nevent: ticket.\(entry.entry.type)\ndata: \(data)\n\n"
        case .heartbeat:
            return ": keep-alive\n\n"
        case .end(let reason):
            return "event: end\ndata: \(reason)\n\n"
        }
    }
}

extension HTTPField.Name {
    static let lastEventID = Self("Last-Event-ID")!
}
