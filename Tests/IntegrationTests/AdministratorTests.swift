import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import SopzTestSupport
import Testing

@testable import Ingress

extension Integration {
    /// Administrators become known when they first sign in; managers list them page by page, from
    /// the read model (the projector copies them there; loads are counted from the views).
    @Suite struct AdministratorTests {
        func listAll(_ client: any TestClientProtocol, token: String, limit: Int) async throws -> [[String: Any]] {
            var items: [[String: Any]] = []
            var cursor: String?
            for _ in 0..<100 {
                let query = "limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await client.get("/api/v1/administrators?\(query)", token: token)
                #expect(page.status == .ok)
                let pageItems = try #require(page.json["items"] as? [[String: Any]])
                #expect(pageItems.count <= limit)
                items += pageItems
                cursor = page.json["nextCursor"] as? String
                if cursor == nil { return items }
            }
            Issue.record("the pages never ended")
            return items
        }

        @Test func administratorsAreRecordedAtSignInAndManagersListThem() async throws {
            try await TestSystem.run { system in
                try await ReadModel.reset(system)
                try await system.http { client in
                    let max = try await system.token("max")
                    // Any request signs in: administrators are recorded, other roles are not.
                    for name in ["ada", "max", "cleo", "ann", "bill"] {
                        _ = try await client.get("/api/v1/tickets/\(UUID())", token: try await system.token(name))
                    }
                    // Registered in the background by a command each: the requests did not wait for it.
                    let bill = DemoUser.all[3]
                    try await eventually("the last administrator is recorded") {
                        try await system.count("SELECT count(*)::bigint FROM administrators WHERE id = \(bill.id)") == 1
                    }
                    try await eventually("the read model lists all three") {
                        try await listAll(client, token: max, limit: 2).count == 3
                    }
                    let everyone = try await listAll(client, token: max, limit: 2)
                    #expect(
                        everyone.map { $0["name"] as? String } == [
                            "Ann Administrator", "Bill Administrator", "Cleo Administrator",
                        ])
                    let ann = try #require(everyone.first)
                    #expect(ann["id"] as? String == DemoUser.all[2].id)
                    #expect(ann["available"] as? Bool == true)
                    #expect(ann["load"] as? Int == 0)
                    #expect(ann["firstSeenAt"] is String)

                    let onePage = try await client.get("/api/v1/administrators?limit=1", token: max)
                    #expect((onePage.json["items"] as? [Any])?.count == 1)
                    #expect(onePage.json["nextCursor"] is String)
                }
            }
        }

        @Test func badPaginationIsA400NamingTheParameter() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                try await system.http { client in
                    let max = try await system.token("max")
                    for (query, field) in [
                        ("limit=0", "limit"), ("limit=201", "limit"), ("limit=ten", "limit"), ("cursor=%%%", "cursor"),
                        ("cursor=WyJhIl0", "cursor"),
                    ] {
                        let response = try await client.get("/api/v1/administrators?\(query)", token: max)
                        #expect(response.status == .badRequest, "\(query)")
                        #expect(response.headers[.contentType] == "application/problem+json")
                        let violations = response.json["violations"] as? [[String: Any]]
                        #expect(violations?.first?["field"] as? String == field, "\(query)")
                    }
                }
            }
        }

        /// The load is the tickets in hand: assigned, in progress, waiting for the client — not
        /// resolved or closed ones. Kept by the dispatcher as it assigns and moves tickets.
        @Test func theLoadCountsTicketsInHand() async throws {
            try await TestSystem.run { system in
                try await ReadModel.reset(system)
                let tokens = try await system.tokens(["ada", "ann", "max"])
                try await system.http { client in
                    let ready = try await client.send(
                        .put, "/api/v1/administrators/me/availability", token: tokens["ann"],
                        json: #"{"available":true}"#, headers: [.prefer: "wait=10"])
                    #expect(ready.status == .ok)
                    let moves: [[String]] = [
                        [], ["in_progress"], ["waiting_for_client"], ["resolved"], ["resolved", "closed"],
                    ]
                    for statuses in moves {
                        let created = try await client.post(
                            "/api/v1/tickets", token: tokens["ada"], json: #"{"title":"t","description":"d"}"#,
                            headers: [.prefer: "wait=10"])
                        #expect(created.json["assigneeId"] as? String == DemoUser.id("ann"))
                        let id = try #require(created.json["id"] as? String)
                        for status in statuses {
                            let moved = try await client.post(
                                "/api/v1/tickets/\(id)/status", token: tokens["ann"], json: #"{"status":"\#(status)"}"#,
                                headers: [.prefer: "wait=10"])
                            #expect(moved.status == .ok, "\(status): \(moved.text)")
                        }
                    }
                    let ann = DemoUser.id("ann")
                    #expect(try await system.count("SELECT load::int8 FROM administrators WHERE id = \(ann)") == 3)
                    // The read model counts the same from its views once the projector has them all.
                    try await eventually("the read model shows ann's three tickets in hand") {
                        let page = try await client.get("/api/v1/administrators", token: tokens["max"])
                        let items = page.json["items"] as? [[String: Any]] ?? []
                        return items.first { $0["id"] as? String == ann }?["load"] as? Int == 3
                    }
                    let page = try await client.get("/api/v1/administrators", token: tokens["max"])
                    let items = try #require(page.json["items"] as? [[String: Any]])
                    #expect(items.first { $0["id"] as? String == ann }?["available"] as? Bool == true)
                }
            }
        }
    }
}
