import Foundation
import Logging
import PostgresNIO
import SopzContract
import SopzDomain
import SopzProcessing

/// The command store in PostgreSQL: a batch of commands recorded, its tickets locked and loaded,
/// its plan written — one transaction, one BEGIN and one COMMIT (one WAL flush) for the whole
/// batch. Whatever the batch size it takes three statements: the assignment lock; one that
/// records every command id and locks and loads every ticket, administrator and waiting ticket
/// the batch may touch; and after the pure decisions one that writes everything
/// (`TicketStatements.swift`).
///
/// Why loads stay consistent however many dispatchers and batches run: assignment reads every
/// administrator's load and the backlog, and any batch may change them (a create, a resolve, an
/// availability). So each batch first takes one transaction-scoped advisory lock, the same for
/// all, in a statement of its own — batches that decide on the pool run one after another, and
/// the next one's statements (each with a fresh READ COMMITTED snapshot, taken after the lock)
/// see everything the previous committed. It is the first lock a batch takes and the only one it
/// waits for, so there is no lock order to get wrong and no deadlock; the row locks after it are
/// uncontended among dispatchers. What runs in parallel is everything outside the transaction:
/// decoding, the broker, the HTTP edge; inside, a batch of a hundred commands holds it about a
/// millisecond. The projector relies on the lock coming before the batch's first write: a
/// transaction's id is taken at its first write, so ids follow the order batches commit in
/// (`PostgresProjectionStore`).
public struct PostgresCommandStore: CommandStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// An arbitrary constant naming the assignment lock (not the migrations').
    static let assignmentLock: Int64 = 0x736F_707A_6173  // "sopzas"

    public func apply(
        _ envelopes: [CommandEnvelope], capacity: Int, planning plan: @Sendable (LockedState) -> BatchPlan
    ) async throws -> BatchPlan {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.perform("SELECT pg_advisory_xact_lock(\(Self.assignmentLock))", logger: logger)
            let planned = plan(try await recordAndLock(envelopes, capacity: capacity, on: connection))
            if !planned.writesNothing { try await write(planned, on: connection) }
            if !planned.webhooks.isEmpty { try await write(planned.webhooks, on: connection) }
            if !planned.webhookReplays.isEmpty {
                try await connection.perform(WebhookRows.replay(planned.webhookReplays), logger: logger)
            }
            if !planned.sagas.isEmpty { try await write(planned.sagas, requests: planned.effects, on: connection) }
            return planned
        }
    }

    /// Records the command ids (those seen before are left out of the answer) and locks and loads
    /// the tickets they address, the administrators and the oldest waiting tickets.
    private func recordAndLock(
        _ envelopes: [CommandEnvelope], capacity: Int, on connection: PostgresConnection
    ) async throws -> LockedState {
        var unique: [CommandID: CommandEnvelope] = [:]
        for envelope in envelopes where unique[envelope.commandID] == nil { unique[envelope.commandID] = envelope }
        let commands = Array(unique.values)
        let commandIDs = commands.map(\.commandID.rawValue)
        let issuers = commands.map(\.issuer.id)
        let types = commands.map(\.command.type)
        let ticketIDs = commands.map { $0.ticketID?.description ?? "" }
        let rows = try await connection.execute(
            RecordAndLock(
                commandIDs: commandIDs, issuers: issuers, types: types, ticketIDs: ticketIDs,
                fingerprints: commands.map(\.command.fingerprint), capacity: capacity,
                freedPlaces: BacklogBound.freedPlaces(by: commands),
                joiningAdministrators: BacklogBound.joiningAdministrators(in: commands)), logger: logger
        ).all()
        var recorded = Set<CommandID>()
        var archived = Set<TicketID>()
        var administrators: [AssignmentPool.Member] = []
        var current: [TicketID: Ticket] = [:]
        var waiting: [(ticket: Ticket, order: Int64)] = []
        for (index, row) in rows.enumerated() {
            let columns = PostgresRandomAccessRow(row)
            if index == 0 {
                recorded = Set(try columns["recorded"].decode([UUID]?.self).map { $0.map(CommandID.init) } ?? [])
                archived = Set(try columns["archived"].decode([UUID]?.self).map { $0.map(TicketID.init) } ?? [])
                administrators = try PoolRow.members(from: try columns["pool"].decode(String?.self))
            }
            guard let ticket = try TicketRows.ticket(from: row) else { continue }
            current[ticket.id] = ticket
            if try columns["waiting"].decode(Bool.self) {
                waiting.append((ticket, try columns["opened_order"].decode(Int64.self)))
            }
        }
        let backlog = waiting.sorted { ($0.ticket.createdAt, $0.order) < ($1.ticket.createdAt, $1.order) }
        var webhooks: [WebhookID: WebhookSubscription] = [:]
        let addressed = WebhookBound.addressed(by: commands)
        if !addressed.isEmpty {
            for webhook in try await WebhookRows.subscriptions(
                try await connection.query(WebhookRows.lock(addressed), logger: logger))
            {
                webhooks[webhook.id] = webhook
            }
        }
        // Refund tickets the commands address bring their sagas (a statement only such batches run).
        var sagas: [TicketID: TicketSaga] = [:]
        let refunds = Set(commands.compactMap(\.ticketID)).filter { current[$0]?.refund != nil }
        if !refunds.isEmpty {
            for try await document in try await connection.query(SagaRows.latest(of: Array(refunds)), logger: logger)
                .decode(String.self)
            {
                let saga = try SagaRows.saga(from: document)
                sagas[saga.ticketID] = saga
            }
        }
        return LockedState(
            recorded: recorded, tickets: current, administrators: administrators, backlog: backlog.map(\.ticket.id),
            archived: archived, webhooks: webhooks, sagas: sagas)
    }

    /// Writes the sagas a batch started or moved on, and puts their requests in the outbox (bound
    /// for `sopz.integration`): statements of their own, run only by batches on refund tickets.
    private func write(
        _ sagas: [TicketSaga], requests effects: [TicketDecision.Effect], on connection: PostgresConnection
    ) async throws {
        let written = try await connection.query(try SagaRows.upsert(sagas), logger: logger).all().count
        let requests = effects.map { effect in
            switch effect {
            case .integration(let request): request
            }
        }
        let sent =
            requests.isEmpty ? 0 : try await connection.query(try SagaRows.outbox(requests), logger: logger).all().count
        guard written == sagas.count, sent == requests.count else {
            throw WriteCountMismatch(expected: [sagas.count, requests.count], written: [written, sent])
        }
    }

    /// Writes the webhook subscriptions a batch changed: a statement of its own, so batches of
    /// ticket commands (nearly all of them) do not carry it.
    private func write(_ webhooks: [WebhookSubscription], on connection: PostgresConnection) async throws {
        let written = try await connection.query(try WebhookRows.upsert(webhooks), logger: logger).all().count
        guard written == webhooks.count else {
            throw WriteCountMismatch(expected: [webhooks.count], written: [written])
        }
    }

    /// Writes a batch's tickets (their rows are locked already, so an upsert is safe), events,
    /// outbox rows, rejections and withdrawn records in one statement, rows passed as JSON
    /// documents. (No NOTIFY in here: see `CommitNotifications`.) The row counts are checked, so
    /// a write that went astray fails the batch instead of passing for a committed one.
    private func write(_ plan: BatchPlan, on connection: PostgresConnection) async throws {
        let changed = plan.tickets
        let tickets = try JSONRows.encode(
            changed.enumerated().map { TicketRow(position: $0.offset, ticket: $0.element) })
        let events = try JSONRows.encode(
            plan.events.enumerated().map { EventRow(position: $0.offset, event: $0.element) })
        let rejections = try JSONRows.encode(plan.rejections.map { RejectionRow(id: $0.0.rawValue, problem: $0.1) })
        let withdrawn = plan.withdrawn.map(\.rawValue)
        let administrators = try JSONRows.encode(plan.administrators.map(PoolRow.init))
        let rows = try await connection.execute(
            WriteBatch(
                tickets: tickets, events: events, rejections: rejections, withdrawn: withdrawn,
                administrators: administrators), logger: logger
        ).all()
        let expected = [
            changed.count, plan.events.count, plan.events.count, plan.rejections.count, withdrawn.count,
            plan.administrators.count,
        ]
        let written = rows.first
        guard written == expected else { throw WriteCountMismatch(expected: expected, written: written) }
    }

    /// A ticket as the write statement reads it; `position` keeps the order tickets were opened in.
    private struct TicketRow: Encodable {
        let position: Int
        let ticket: Ticket

        private enum CodingKeys: String, CodingKey { case position }

        func encode(to encoder: any Encoder) throws {
            try ticket.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(position, forKey: .position)
        }
    }

    /// An event as the write statement reads it; `position` keeps the batch's order.
    private struct EventRow: Encodable {
        let position: Int
        let id: UUID
        let ticketId: UUID
        let version: Int
        /// The event catalogue's names for it, so the contract lives in one place.
        let name: String
        let routingKey: String
        let cloudEventType: String
        let data: EncodedData
        let actorId: String
        let commandId: UUID
        let occurredAt: Date

        init(position: Int, event: TicketEvent) {
            self.position = position
            id = event.id
            ticketId = event.ticketID.rawValue
            version = event.version
            name = EventCatalogue.name(of: event.change)
            routingKey = EventCatalogue.routingKey(of: event.change)
            cloudEventType = EventCatalogue.cloudEventType(of: event.change)
            data = EncodedData(payload: EventCatalogue.data(of: event.change))
            actorId = event.actorID
            commandId = event.commandID.rawValue
            occurredAt = event.occurredAt
        }
    }

    /// An administrator as the pool column reads them (times in epoch milliseconds) and the
    /// write statement writes them (RFC 3339).
    private struct PoolRow: Codable {
        let id: String
        let name: String
        let available: Bool
        let load: Int
        let lastAssignedAt: Double?
        let lastSeenAt: Double

        init(_ member: AssignmentPool.Member) {
            id = member.id
            name = member.name
            available = member.available
            load = member.load
            lastAssignedAt = member.lastAssignedAt.map { $0.timeIntervalSince1970 * 1_000 }
            lastSeenAt = member.lastSeenAt.timeIntervalSince1970 * 1_000
        }

        private enum CodingKeys: String, CodingKey { case id, name, available, load, lastAssignedAt, lastSeenAt }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(available, forKey: .available)
            try container.encode(load, forKey: .load)
            try container.encodeIfPresent(lastAssignedAt.map(Self.date), forKey: .lastAssignedAt)
            try container.encode(Self.date(lastSeenAt), forKey: .lastSeenAt)
        }

        static func date(_ milliseconds: Double) -> Date { Date(timeIntervalSince1970: milliseconds / 1_000) }

        static func members(from json: String?) throws -> [AssignmentPool.Member] {
            guard let json else { return [] }
            return try JSONDecoder().decode([PoolRow].self, from: Data(json.utf8)).map {
                .init(
                    id: $0.id, name: $0.name, available: $0.available, load: $0.load,
                    lastAssignedAt: $0.lastAssignedAt.map(date), lastSeenAt: date($0.lastSeenAt))
            }
        }
    }

    private struct RejectionRow: Encodable {
        let id: UUID
        let problem: TicketRejection
    }

}
