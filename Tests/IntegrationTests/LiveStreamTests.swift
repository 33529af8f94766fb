import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import NIOSSL
import SopzRuntime
import SopzTestSupport
import Testing

@testable import Ingress

extension Integration {
    /// `GET /api/v1/live` on a real HTTPS socket, read by an ordinary HTTP client as a browser's
    /// `fetch` reads it: each user sees the events of their own tickets within a second of the
    /// commit, nothing of anyone else's, and a reconnecting client resumes where it stopped.
    @Suite struct LiveStreamTests {
        static let port = 18_446

        /// One Server-Sent Event as it arrived.
        struct Received: Sendable {
            let id: Int64?
            let event: String
            let data: String
            let at: ContinuousClock.Instant

            var ticketID: String? {
                let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
                return (object?["ticketId"] as? String)?.lowercased()
            }
        }

        /// Reads one stream in the background, frame by frame, into `events`.
        final class Reader: Sendable {
            let events = Locked<[Received]>([])
            let task: Task<Void, any Error>

            init(_ http: HTTPClient, token: String, lastEventID: Int64? = nil) {
                let events = self.events
                task = Task {
                    var request = HTTPClientRequest(url: "https://localhost:\(LiveStreamTests.port)/api/v1/live")
                    request.headers.add(name: "Authorization", value: "Bearer \(token)")
                    if let lastEventID { request.headers.add(name: "Last-Event-ID", value: "\(lastEventID)") }
                    let response = try await http.execute(request, timeout: .seconds(120))
                    var pending = ""
                    for try await buffer in response.body {
                        pending += String(buffer: buffer)
                        while let end = pending.range(of: "\n\n") {
                            let frame = pending[..<end.lowerBound]
                            pending = String(pending[end.upperBound...])
                            var fields: [String: String] = [:]
                            for line in frame.split(separator: "\n") where !line.hasPrefix(":") {
                                let parts = line.split(separator: ":", maxSplits: 1)
                                guard parts.count == 2 else { continue }
                                fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces)
                            }
                            guard let event = fields["event"] else { continue }
                            let received = Received(
                                id: fields["id"].flatMap { Int64($0) }, event: event, data: fields["data"] ?? "",
                                at: .now)
                            events.set(events.value + [received])
                        }
                    }
                }
            }

            func first(_ event: String, ticket: String) -> Received? {
                events.value.first { $0.event == event && $0.ticketID == ticket }
            }
        }

        @Test func eachUserSeesOnlyTheirOwnTicketsWithinASecondAndResumes() async throws {
            try await TestSystem.run { system in
                try await system.resetWork()
                let tokens = try await system.tokens(["ada", "ben"])
                try await system.withLiveIngress(port: Self.port) {
                    var tls = TLSConfiguration.makeClientConfiguration()
                    if let caFile = system.settings.caFile { tls.trustRoots = .file(caFile) }
                    let http = HTTPClient(
                        eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
                    let live = system.dependencies.live
                    let before = live.subscriberCount
                    let ada = Reader(http, token: tokens["ada"]!)
                    let ben = Reader(http, token: tokens["ben"]!)
                    defer {
                        ada.task.cancel()
                        ben.task.cancel()
                    }
                    do {
                        try await eventually("both streams are open") { live.subscriberCount == before + 2 }
                        let mine = try await system.http { client in
                            let created = try await client.post(
                                "/api/v1/tickets", token: tokens["ada"],
                                json: #"{"title":"Live","description":"Push"}"#,
                                headers: [.prefer: "wait=10"])
                            return (created.json["id"] as? String)?.lowercased() ?? ""
                        }
                        let committed = ContinuousClock.now
                        try await eventually("ada sees her ticket created") {
                            ada.first("ticket.created", ticket: mine) != nil
                        }
                        let pushed = try #require(ada.first("ticket.created", ticket: mine))
                        #expect(pushed.at - committed < .seconds(1), "pushed \(pushed.at - committed) after the commit")

                        let theirs = try await system.http { client in
                            let created = try await client.post(
                                "/api/v1/tickets", token: tokens["ben"],
                                json: #"{"title":"Mine","description":"Ben's"}"#,
                                headers: [.prefer: "wait=10"])
                            return (created.json["id"] as? String)?.lowercased() ?? ""
                        }
                        try await eventually("ben sees his ticket created") {
                            ben.first("ticket.created", ticket: theirs) != nil
                        }
                        // Ben's stream carried his ticket's event, which came after ada's: so it
                        // would have carried ada's too, had it been his to see.
                        #expect(ben.events.value.allSatisfy { $0.ticketID != mine })
                        #expect(ada.events.value.allSatisfy { $0.ticketID != theirs })

                        // A client that reconnects with the last id it saw gets what it missed.
                        let seen = try #require(pushed.id)
                        _ = try await system.http { client in
                            try await client.send(
                                .post, "/api/v1/tickets/\(mine)/messages", token: tokens["ada"],
                                json: #"{"body":"While you were away"}"#, headers: [.prefer: "wait=10"]
                            ).status
                        }
                        try await eventually("ada's stream has the message") {
                            ada.first("ticket.message_posted", ticket: mine) != nil
                        }
                        let resumed = Reader(http, token: tokens["ada"]!, lastEventID: seen)
                        defer { resumed.task.cancel() }
                        try await eventually("the resumed stream replays the message") {
                            resumed.first("ticket.message_posted", ticket: mine) != nil
                        }
                        #expect(resumed.first("ticket.created", ticket: mine) == nil)
                    } catch {
                        try? await http.shutdown()
                        throw error
                    }
                    // The server ends the streams (as a shutdown does); the readers see them end.
                    live.endAll("closed")
                    for reader in [ada, ben] { _ = await reader.task.result }
                    #expect(ada.events.value.last?.event == "end")
                    try await http.shutdown()
                }
            }
        }
    }
}
