import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PostgresNIO
import SopzRuntime
import SopzTestSupport
import Testing

@testable import Ingress
@testable import SopzPostgres

extension Integration {
    /// Rebuilding the read model from the event store, beside the live one, and switching over
    /// while a dispatcher, a live projector and the ingress keep working.
    @Suite struct RebuildTests {
        /// Columns that are not the projection's to decide: the live stream's positions (kept
        /// across the switch instead), a checkpoint's running count and clock, a migration's clock.
        static let notCompared: [String: Set<String>] = [
            "ticket_history": ["position"], "projection_checkpoints": ["events", "updated_at"],
            "read_model_migrations": ["applied_at"],
        ]

        /// Rows of `table` in one schema and not in the other, both ways.
        static func differences(_ read: PostgresClient, _ table: String) async throws -> Int {
            var columns: [String] = []
            for try await column in try await read.query(
                """
                SELECT column_name::text FROM information_schema.columns
                WHERE table_schema = \(ProjectionRebuild.schema) AND table_name = \(table) ORDER BY ordinal_position
                """
            ).decode(String.self) where !(notCompared[table] ?? []).contains(column) {
                columns.append(column)
            }
            let list = columns.joined(separator: ", ")
            let (live, fresh) = ("public.\(table)", "\(ProjectionRebuild.schema).\(table)")
            return try await ReadModel.count(
                read,
                """
                SELECT count(*)::int8 FROM (
                    (SELECT \(unescaped: list) FROM \(unescaped: live) EXCEPT ALL SELECT \(unescaped: list) FROM \(unescaped: fresh))
                    UNION ALL
                    (SELECT \(unescaped: list) FROM \(unescaped: fresh) EXCEPT ALL SELECT \(unescaped: list) FROM \(unescaped: live))
                ) AS d
                """)
        }

        /// Prepares and builds a rebuild beside the live read model, expects it to project
        /// `events` and every table to equal the live one, then runs `then` with it.
        static func expectRebuildEqualsLive(
            _ read: PostgresClient, settings: SharedSettings, events: Int,
            then: @escaping @Sendable (ProjectionRebuild) async throws -> Void = { _ in }
        ) async throws {
            let logger = TestEnvironment.logger("rebuild")
            let fresh = PostgresClient(
                configuration: ProjectionRebuild.freshConfiguration(settings.readDatabase), backgroundLogger: logger)
            try await withServices([fresh], logger: logger) {
                let rebuild = ProjectionRebuild(readModel: read, fresh: fresh, logger: logger)
                try await rebuild.prepare()
                #expect(try await rebuild.build() == events)
                for table in Migrations.readModelTables {
                    #expect(try await differences(read, table) == 0, "\(table)")
                }
                try await then(rebuild)
            }
        }

        static func positions(_ read: PostgresClient) async throws -> [UUID: Int64] {
            var positions: [UUID: Int64] = [:]
            for try await (id, position) in try await read.query("SELECT event_id, position FROM ticket_history")
                .decode((UUID, Int64).self)
            {
                positions[id] = position
            }
            return positions
        }

        @Test func aRebuildEqualsTheLiveModelAndTakesItsPlace() async throws {
            try await TestSystem.run { system in
                try await ReadModel.withClient(system.settings) { read in
                    try await ReadModel.reset(write: system.database, read: read)
                    let tokens = try await system.tokens(["ada", "ben", "ann", "max"])
                    let wait: HTTPFields = [.prefer: "wait=10"]
                    let ticket = try await system.http { client in
                        _ = try await client.send(
                            .put, "/api/v1/administrators/me/availability", token: tokens["ann"],
                            json: #"{"available":true}"#, headers: wait)
                        var ids: [String] = []
                        for (owner, title) in [("ada", "Принтер"), ("ben", "Monitor"), ("ada", "VPN")] {
                            let created = try await client.post(
                                "/api/v1/tickets", token: tokens[owner],
                                json: #"{"title":"\#(title)","description":"<b>x</b>, \"quoted\""}"#, headers: wait)
                            ids.append(try #require(created.json["id"] as? String))
                        }
                        _ = try await client.post(
                            "/api/v1/tickets/\(ids[0])/messages", token: tokens["ada"], json: #"{"body":"Бумага"}"#,
                            headers: wait)
                        _ = try await client.post(
                            "/api/v1/tickets/\(ids[1])/status", token: tokens["ann"], json: #"{"status":"resolved"}"#,
                            headers: wait)
                        _ = try await client.post(
                            "/api/v1/tickets/\(ids[2])/assignee", token: tokens["max"],
                            json: #"{"administratorId":null}"#, headers: wait)
                        return ids[0]
                    }
                    let events = try await system.count("SELECT count(*)::int8 FROM events")
                    try await eventually("the live read model has every event") {
                        try await ReadModel.count(read, "SELECT count(*)::int8 FROM ticket_history") == events
                    }

                    try await Self.expectRebuildEqualsLive(read, settings: system.settings, events: events) {
                        rebuild in
                        var tables = Set<String>()
                        for try await table in try await read.query(
                            """
                            SELECT table_name::text FROM information_schema.tables
                            WHERE table_schema = \(ProjectionRebuild.schema)
                            """
                        ).decode(String.self) {
                            tables.insert(table)
                        }
                        #expect(tables == Set(Migrations.readModelTables))
                        #expect(
                            try await ReadModel.count(
                                read, "SELECT count(*)::int8 FROM \(unescaped: ProjectionRebuild.schema).ticket_views")
                                == 3)

                        let before = try await Self.positions(read)
                        // Reads through the ingress's pool before and after: its prepared
                        // statements are re-planned against the new tables.
                        let path = "/api/v1/tickets/\(ticket)"
                        #expect(try await system.http { try await $0.get(path, token: tokens["max"]).status } == .ok)
                        try await rebuild.switchOver()
                        #expect(try await Self.positions(read) == before)
                        #expect(
                            try await ReadModel.count(
                                read,
                                "SELECT count(*)::int8 FROM information_schema.schemata WHERE schema_name LIKE 'sopz_%'"
                            )
                                == 0)
                        try await system.http { client in
                            let shown = try await client.get(path, token: tokens["max"])
                            #expect(shown.status == .ok)
                            #expect(shown.json["title"] as? String == "Принтер")
                            // The live projector goes on in the new tables, numbering on.
                            let posted = try await client.post(
                                path + "/messages", token: tokens["ada"], json: #"{"body":"After"}"#, headers: wait)
                            let version = try #require(posted.json["version"] as? Int)
                            let newer = try await client.get(path + "?minVersion=\(version)", token: tokens["max"])
                            #expect(newer.status == .ok)
                        }
                        let after = try await Self.positions(read)
                        #expect(after.count == before.count + 1)
                        #expect(after.values.max() == before.values.max().map { $0 + 1 })
                    }

                    // As an operator runs it: the executable rebuilds, switches and exits 0.
                    let binary = try #require(TestEnvironment.environment["SOPZ_TEST_BIN"]) + "/sopz-projector"
                    var environment = TestEnvironment.environment
                    environment["LLVM_PROFILE_FILE"] = "/dev/null"
                    let run = try await runToCompletion(
                        binary, ["rebuild"], environment: environment, withErrors: true)
                    #expect(run.status == 0, "\(run.output)")
                    #expect(run.output.contains("read model rebuilt from its event archive"))
                    #expect(try await ReadModel.count(read, "SELECT count(*)::int8 FROM ticket_history") == events + 1)
                    let wrong = try await runToCompletion(binary, ["rebuid"], environment: environment)
                    #expect(wrong.status == 64)
                }
            }
        }
    }
}
