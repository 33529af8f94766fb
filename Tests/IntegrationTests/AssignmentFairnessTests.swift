import Foundation
import PostgresNIO
import SopzDomain
import SopzPorts
import SopzTestSupport
import Testing

@testable import Ingress

extension Integration {
    /// Assignment by workload stays fair and within the cap however many dispatchers decide at
    /// once: three dispatcher processes, ten administrators, a thousand tickets opened together.
    @Suite(.timeLimit(.minutes(5))) struct AssignmentFairnessTests {
        static let administrators = (0..<10).map {
            User(id: "fair-admin-\($0)", name: "Fair Admin \($0)", roles: [.administrator])
        }

        /// Registers the ten administrators and opens `count` tickets, all through RabbitMQ to three
        /// dispatcher processes with `capacity`; returns once every command is applied.
        static func openTickets(_ count: Int, capacity: Int, in system: TestSystem) async throws -> [ChildProcess] {
            try await system.resetWork()
            let dispatchers = try (0..<3).map { _ in
                try ChildProcess.start("sopz-dispatcher", extra: ["SOPZ_ASSIGNMENT_CAPACITY": "\(capacity)"])
            }
            let publisher = system.dependencies.commands
            for administrator in administrators {
                try await publisher.publish(
                    CommandEnvelope(
                        commandID: CommandID(UUID()), issuedAt: Date(), issuer: administrator, ticketID: nil,
                        command: .registerAdministrator))
            }
            try await eventually(timeout: .seconds(60), "the administrators are registered") {
                try await system.count("SELECT count(*)::bigint FROM administrators") == administrators.count
            }
            let creates = (0..<count).map { index in
                Samples.create(title: "Ticket \(index)", by: Samples.client)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for slice in stride(from: 0, to: creates.count, by: 50) {
                    let batch = creates[slice..<min(slice + 50, creates.count)]
                    group.addTask { for envelope in batch { try await publisher.publish(envelope) } }
                }
                try await group.waitForAll()
            }
            try await eventually(timeout: .seconds(120), "every ticket is open") {
                try await system.count("SELECT count(*)::bigint FROM tickets") == count
            }
            return dispatchers
        }

        /// Each administrator's stored load, and what their tickets say it is.
        static func loads(in system: TestSystem) async throws -> [String: (stored: Int, counted: Int)] {
            var loads: [String: (stored: Int, counted: Int)] = [:]
            let rows = try await system.database.query(
                """
                SELECT a.id, a.load::int8, (SELECT count(*) FROM tickets t WHERE t.assignee_id = a.id
                    AND t.status IN ('assigned', 'in_progress', 'waiting_for_client'))::int8
                FROM administrators a
                """)
            for try await (id, stored, counted) in rows.decode((String, Int, Int).self) {
                loads[id] = (stored, counted)
            }
            return loads
        }

        @Test func aThousandTicketsLeaveLoadsThatDifferByAtMostOne() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                let dispatchers = try await Self.openTickets(1_000, capacity: 150, in: system)
                defer { dispatchers.forEach { $0.kill() } }
                #expect(try await system.count("SELECT count(*)::bigint FROM tickets WHERE status = 'new'") == 0)
                let loads = try await Self.loads(in: system)
                #expect(loads.count == 10)
                #expect(loads.values.allSatisfy { $0.stored == $0.counted })
                let counts = loads.values.map(\.counted)
                #expect(counts.reduce(0, +) == 1_000)
                #expect(counts.max()! - counts.min()! <= 1, "loads \(counts.sorted())")
                #expect(dispatchers.allSatisfy { $0.terminate() == 0 })
            }
        }

        @Test func beyondTheCapTicketsWaitInOrderAndFreedCapacityTakesTheOldest() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                let capacity = 30
                let dispatchers = try await Self.openTickets(1_000, capacity: capacity, in: system)
                defer { dispatchers.forEach { $0.kill() } }
                #expect(try await system.count("SELECT count(*)::bigint FROM tickets WHERE status = 'assigned'") == 300)
                #expect(try await system.count("SELECT count(*)::bigint FROM tickets WHERE status = 'new'") == 700)
                let loads = try await Self.loads(in: system)
                #expect(loads.values.allSatisfy { $0.stored == capacity && $0.counted == capacity })
                // Those assigned were opened before every one that waits.
                #expect(
                    try await system.count(
                        """
                        SELECT count(*)::bigint FROM tickets a, tickets w
                        WHERE a.status = 'assigned' AND w.status = 'new'
                          AND (a.created_at, a.opened_order) > (w.created_at, w.opened_order)
                        """) == 0)
                // Five administrators resolve one ticket each: the five oldest waiting ones are theirs.
                let oldest = try await system.ids(
                    "SELECT id FROM tickets WHERE status = 'new' ORDER BY created_at, opened_order LIMIT 5")
                for administrator in Self.administrators.prefix(5) {
                    let held = try #require(
                        try await system.ids(
                            "SELECT id FROM tickets WHERE assignee_id = \(administrator.id) ORDER BY id LIMIT 1"
                        ).first)
                    try await system.dependencies.commands.publish(
                        CommandEnvelope(
                            commandID: CommandID(UUID()), issuedAt: Date(), issuer: administrator,
                            ticketID: TicketID(held), command: .changeStatus(StatusChange(status: .resolved))))
                }
                try await eventually(timeout: .seconds(30), "the freed places are filled") {
                    try await system.count("SELECT count(*)::bigint FROM tickets WHERE status = 'new'") == 695
                }
                let assigned = try await system.ids(
                    "SELECT id FROM tickets WHERE id = ANY(\(oldest)) AND status = 'assigned'")
                #expect(Set(assigned) == Set(oldest))
                #expect(
                    try await Self.loads(in: system).values.allSatisfy {
                        $0.stored == capacity && $0.counted == capacity
                    })
                // A full administrator signing in again takes nothing; one new to the desk takes
                // `capacity` of the oldest waiting (the bound the store loads for a sign-in).
                let newcomer = User(id: "fair-admin-new", name: "Fair Admin New", roles: [.administrator])
                let next = try await system.ids(
                    "SELECT id FROM tickets WHERE status = 'new' ORDER BY created_at, opened_order LIMIT \(capacity)")
                for administrator in [Self.administrators[0], newcomer] {
                    try await system.dependencies.commands.publish(
                        CommandEnvelope(
                            commandID: CommandID(UUID()), issuedAt: Date(), issuer: administrator, ticketID: nil,
                            command: .registerAdministrator))
                }
                try await eventually(timeout: .seconds(30), "the newcomer takes a full hand") {
                    try await system.count("SELECT count(*)::bigint FROM tickets WHERE status = 'new'")
                        == 695 - capacity
                }
                #expect(
                    Set(try await system.ids("SELECT id FROM tickets WHERE assignee_id = \(newcomer.id)")) == Set(next))
                #expect(try await Self.loads(in: system)[Self.administrators[0].id]?.counted == capacity)
                #expect(dispatchers.allSatisfy { $0.terminate() == 0 })
            }
        }
    }
}

extension TestSystem {
    func ids(_ query: PostgresQuery) async throws -> [UUID] {
        var ids: [UUID] = []
        for try await id in try await database.query(query).decode(UUID.self) { ids.append(id) }
        return ids
    }
}
