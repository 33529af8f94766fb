import Foundation
import SopzRuntime
import SopzTestSupport
import Testing

extension Integration {
    /// The web interface in a real Chromium, against the real `sopz-ingress` in dev mode (its
    /// issuer signing people in with the authorization code flow and PKCE) and the real broker,
    /// dispatcher, projector and databases: `scripts/testing/browser_journeys.py` drives a client
    /// on a phone-sized window and an administrator on a desktop one side by side. Screenshots
    /// of every page at both sizes land in `.state/screenshots`.
    @Suite struct WebInterfaceJourneyTests {
        static let apiPort = 18_547
        static let issuerPort = 18_548

        @Test func aClientOpensATicketChatsWithAnAdministratorLiveAndSeesItResolved() async throws {
            try await TestSystem.run { system in
                // One administrator available, so the new ticket is hers.
                try await system.resetWork()
                try await IngressProcess.with(
                    apiPort: Self.apiPort, issuerPort: Self.issuerPort, settings: system.settings
                ) { ingress in
                    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                        .deletingLastPathComponent()
                    let shots = root.appendingPathComponent(".state/screenshots")
                    let result = FileManager.default.temporaryDirectory.appendingPathComponent(
                        "sopz-journey-\(UUID()).json")
                    let journey = try ChildProcess.testTool(
                        "browser_journeys.py",
                        arguments: [ingress.api, try #require(system.settings.caFile), shots.path, result.path])
                    defer { journey.kill() }
                    try await eventually(timeout: .seconds(240), interval: .milliseconds(200), "the journeys end") {
                        !journey.process.isRunning
                    }
                    let found = try #require(
                        try JSONSerialization.jsonObject(with: Data(contentsOf: result)) as? [String: Any])
                    #expect(journey.process.terminationStatus == 0, "\(found["failure"] ?? "")")
                    #expect(found["failure"] is NSNull)
                    #expect(found["hostileShownAsText"] as? Bool == true)
                    #expect((found["refusalShown"] as? String)?.contains("title") == true)
                    let checks = try #require(found["checks"] as? [[String: Any]])
                    #expect(checks.count > 30)
                    #expect(checks.allSatisfy { $0["holds"] as? Bool == true })
                    // Every page was audited and photographed at both sizes.
                    let pages = try #require(found["pages"] as? [String: [[String: Any]]])
                    for page in [
                        "my-tickets", "new-ticket", "ticket", "queue", "ticket-staff", "manager-queue", "team",
                        "ticket-manager", "statistics",
                    ] {
                        #expect(Set(pages[page]?.compactMap { $0["width"] as? Int } ?? []) == [375, 1280], "\(page)")
                        #expect(
                            FileManager.default.fileExists(atPath: shots.appendingPathComponent("\(page)-375.png").path)
                        )
                    }
                    #expect(pages.values.joined().allSatisfy { ($0["grave"] as? [Any])?.isEmpty == true })

                    #expect((found["exportedLines"] as? Int ?? 0) >= 3)
                    // What the browser did, the write model holds: one ticket, closed, three messages (the
                    // one sent offline once);
                    // the second handed to bill by the manager, with the reason.
                    let second = try #require(found["second"] as? String)
                    let handedOver = try await system.eventData(ticket: second, type: "assigned")
                    #expect(handedOver.last?["decidedBy"] as? String == "manager")
                    #expect(handedOver.last?["comment"] as? String == "Ann is on leave")
                    let ticket = try #require(found["ticket"] as? String)
                    #expect(try await system.eventData(ticket: ticket, type: "message_posted").count == 3)
                    #expect(found["cachedChatShown"] as? Bool == true)
                    #expect(found["offlineShown"] as? String != nil)
                    #expect(
                        try await system.eventData(ticket: ticket, type: "status_changed").compactMap {
                            $0["to"] as? String
                        }
                        .last == "closed")
                }
            }
        }
    }
}
