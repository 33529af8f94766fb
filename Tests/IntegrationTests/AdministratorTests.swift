import Foundation
import HTTPTypes
import HummingbirdTesting
import PostgresNIO
import SopzTestSupport
import Testing

@testable import Ingress

extension Integration {
    /// Administrators become known when they first sign in; managers list them page by page.
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
            try await TestSystem.run(dispatcher: false) { system in
                try await system.database.query("DELETE FROM administrators")
                try await system.database.query("UPDATE tickets SET assignee_id = NULL WHERE assignee_id IS NOT NULL")
                try await system.http { client in
                    let max = try await system.token("max")
                    #expect(try await listAll(client, token: max, limit: 50).isEmpty)
                    // Any request signs in: administrators are recorded, other roles are not.
                    for name in ["ada", "max", "cleo", "ann", "bill"] {
                        _ = try await client.get("/api/v1/tickets/\(UUID())", token: try await system.token(name))
                    }
                    // Recorded in the background, in arrival order: the requests did not wait for it.
                    let bill = DemoUser.all[3]
                    try await eventually("the last administrator is recorded") {
                        try await system.count("SELECT count(*)::bigint FROM administrators WHERE id = \(bill.id)") == 1
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

        @Test func theLoadCountsTicketsInHand() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                let ann = DemoUser.all[2]
                try await system.database.query("DELETE FROM administrators")
                try await system.database.query("UPDATE tickets SET assignee_id = NULL WHERE assignee_id = \(ann.id)")
                for status in ["assigned", "in_progress", "waiting_for_client", "resolved", "closed"] {
                    try await system.database.query(
                        """
                        INSERT INTO tickets (id, owner_id, owner_name, title, description, status, assignee_id,
                                             created_at, updated_at, version)
                        VALUES (\(UUID()), 'x', 'X', 't', 'd', \(status), \(ann.id), now(), now(), 1)
                        """)
                }
                try await system.http { client in
                    _ = try await client.get("/api/v1/tickets/\(UUID())", token: try await system.token("ann"))
                    try await eventually("ann is recorded") {
                        try await system.count("SELECT count(*)::bigint FROM administrators WHERE id = \(ann.id)") == 1
                    }
                    let page = try await client.get("/api/v1/administrators", token: try await system.token("max"))
                    let items = try #require(page.json["items"] as? [[String: Any]])
                    #expect(items.first { $0["id"] as? String == ann.id }?["load"] as? Int == 3)
                }
            }
        }
    }
}
