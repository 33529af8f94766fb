import Foundation
import Logging
import PostgresNIO
import SopzDomain
import SopzContract
import SopzProcessing
import SopzRuntime

/// What became of a command, as recorded in the `commands` table.
public struct CommandRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case done, rejected }

    public let commandID: CommandID
    public let issuerID: String
    public let type: String
    public let ticketID: TicketID?
    public let status: Status
    public let rejection: TicketRejection?
    /// `TicketCommand.fingerprint` of what was asked (nil for commands recorded before it was kept).
    public var fingerprint: String? = nil
}

/// A finished command and its ticket as it is now (nil for a rejected create).
public struct FinishedCommand: Sendable, Equatable {
    public let record: CommandRecord
    public let ticket: Ticket?
}

/// The write model in PostgreSQL: tickets, the command log, the event store and the outbox.
public struct TicketStore: Sendable {
    /// Channel notified (payload: comma-separated command ids) when commands are done or rejected.
    public static let commandsChannel = "sopz_commands"
    /// Channel notified when outbox rows are waiting.
    public static let outboxChannel = "sopz_outbox"

    let client: PostgresClient
    let logger: Logger
    /// Reads give up after this long (the pool would otherwise wait for a database that is
    /// down); callers answer 503 instead of hanging.
    let readTimeout: Duration

    public init(client: PostgresClient, logger: Logger, readTimeout: Duration = .seconds(2)) {
        self.client = client
        self.logger = logger
        self.readTimeout = readTimeout
    }

    /// Applies `envelope` in one transaction: record the command id (a duplicate stops here),
    /// lock and load the ticket, decide, then write state, events, outbox rows and the outcome.
    public func apply(
        _ envelope: CommandEnvelope, now: Date = Date(),
        decide: @Sendable (CommandEnvelope, Ticket?, Date) -> TicketDecision = TicketRules.decide
    ) async throws -> ApplyOutcome {
        try await apply(batch: [envelope], now: now, decide: decide)[0]
    }

    /// Applies several commands in one transaction — one BEGIN and one COMMIT (one WAL flush)
    /// for all of them — in order, so later commands see earlier ones. Whatever the batch size it
    /// takes two statements: one records every command id and locks and loads every ticket, and
    /// after the pure decisions (`BatchPlan`) one writes everything. A command that must be
    /// retried later has its record removed again; the others stand. Any error fails the whole
    /// batch and nothing is committed: the caller then applies the commands one by one.
    ///
    /// Timestamps are kept to the millisecond, as the API shows them.
    public func apply(
        batch envelopes: [CommandEnvelope], now: Date = Date(),
        decide: @Sendable (CommandEnvelope, Ticket?, Date) -> TicketDecision = TicketRules.decide
    ) async throws -> [ApplyOutcome] {
        guard !envelopes.isEmpty else { return [] }
        let now = Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1_000).rounded(.down) / 1_000)
        return try await client.withTransaction(logger: logger) { connection in
            let (recorded, current) = try await recordAndLock(envelopes, on: connection)
            let plan = BatchPlan(envelopes, recorded: recorded, current: current, now: now, decide: decide)
            if !plan.writesNothing { try await write(plan, on: connection) }
            return plan.outcomes
        }
    }

    /// Records the command ids (those seen before are left out of the answer) and locks and loads
    /// the tickets they address, in id order so concurrent batches queue instead of deadlocking.
    private func recordAndLock(
        _ envelopes: [CommandEnvelope], on connection: PostgresConnection
    ) async throws -> (recorded: Set<CommandID>, current: [TicketID: Ticket]) {
        var unique: [CommandID: CommandEnvelope] = [:]
        for envelope in envelopes where unique[envelope.commandID] == nil { unique[envelope.commandID] = envelope }
        let commands = Array(unique.values)
        let commandIDs = commands.map(\.commandID.rawValue)
        let issuers = commands.map(\.issuer.id)
        let types = commands.map(\.command.type)
        let ticketIDs = commands.map(\.ticketID.rawValue)
        let rows = try await connection.execute(
            RecordAndLock(
                commandIDs: commandIDs, issuers: issuers, types: types, ticketIDs: ticketIDs,
                fingerprints: commands.map(\.command.fingerprint)), logger: logger
        ).all()
        var recorded = Set<CommandID>()
        var current: [TicketID: Ticket] = [:]
        for row in rows {
            if recorded.isEmpty, let ids = try PostgresRandomAccessRow(row)["recorded"].decode([UUID]?.self) {
                recorded = Set(ids.map(CommandID.init))
            }
            if let ticket = try Self.ticket(from: row) { current[ticket.id] = ticket }
        }
        return (recorded, current)
    }

    /// Writes a batch's tickets (their rows are locked already, so an upsert is safe), events,
    /// outbox rows, rejections and withdrawn records in one statement, rows passed as JSON
    /// documents. (No NOTIFY in here: see `CommitNotifications`.) The row counts are checked, so
    /// a write that went astray fails the batch instead of passing for a committed one.
    private func write(_ plan: BatchPlan, on connection: PostgresConnection) async throws {
        let encoder = JSONCoding.encoder()
        func json(_ rows: some Encodable) throws -> String { String(decoding: try encoder.encode(rows), as: UTF8.self) }
        let changed = plan.tickets
        let tickets = try json(changed)
        let events = try json(plan.events.enumerated().map { EventRow(position: $0.offset, event: $0.element) })
        let rejections = try json(plan.rejections.map { RejectionRow(id: $0.0.rawValue, problem: $0.1) })
        let withdrawn = plan.withdrawn.map(\.rawValue)
        let rows = try await connection.execute(
            WriteBatch(tickets: tickets, events: events, rejections: rejections, withdrawn: withdrawn), logger: logger
        ).all()
        let expected = [
            changed.count, plan.events.count, plan.events.count, plan.rejections.count, withdrawn.count,
        ]
        let written = rows.first.map { [$0.0, $0.1, $0.2, $0.3, $0.4] }
        guard written == expected else { throw BatchWriteMismatch(expected: expected, written: written) }
    }

    struct BatchWriteMismatch: Error {
        let expected: [Int]
        let written: [Int]?
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
        let data: EventData
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
            data = EventData(payload: EventCatalogue.data(of: event.change))
            actorId = event.actorID
            commandId = event.commandID.rawValue
            occurredAt = event.occurredAt
        }
    }

    private struct EventData: Encodable {
        let payload: any Encodable & Sendable
        func encode(to encoder: any Encoder) throws { try payload.encode(to: encoder) }
    }

    private struct RejectionRow: Encodable {
        let id: UUID
        let problem: TicketRejection
    }

    // MARK: Reads

    public func ticket(_ id: TicketID) async throws -> Ticket? {
        try await withDeadline(readTimeout) { [client, logger] in
            try await client.query(
                "SELECT \(unescaped: Self.ticketColumns()) FROM tickets WHERE id = \(id.rawValue)", logger: logger
            ).collect().first.flatMap(Self.ticket(from:))
        }
    }

    public func command(_ id: CommandID) async throws -> CommandRecord? {
        try await finishedCommands([id])[id]?.record
    }

    /// The outcomes of those of `ids` that are finished, each with its ticket as it is now: one
    /// query for many commands (a notification wakes many waiting requests at once).
    public func finishedCommands(_ ids: [CommandID]) async throws -> [CommandID: FinishedCommand] {
        let ids = ids.map(\.rawValue)
        let rows = try await withDeadline(readTimeout) { [client, logger] in
            try await client.execute(FinishedCommands(commandIDs: ids), logger: logger).all()
        }
        var finished: [CommandID: FinishedCommand] = [:]
        for row in rows {
            let columns = PostgresRandomAccessRow(row)
            let id = CommandID(try columns["command_id"].decode(UUID.self))
            let problem = try columns["problem"].decode(String?.self)
            let record = CommandRecord(
                commandID: id, issuerID: try columns["issuer_id"].decode(String.self),
                type: try columns["type"].decode(String.self),
                ticketID: try columns["ticket_id"].decode(UUID?.self).map(TicketID.init),
                status: CommandRecord.Status(rawValue: try columns["command_status"].decode(String.self)) ?? .rejected,
                rejection: try problem.map {
                    try JSONCoding.decoder().decode(TicketRejection.self, from: Data($0.utf8))
                }, fingerprint: try columns["fingerprint"].decode(String?.self))
            finished[id] = FinishedCommand(record: record, ticket: try Self.ticket(from: row))
        }
        return finished
    }

    static let ticketColumnNames = [
        "id", "owner_id", "owner_name", "title", "description", "category", "refund::text AS refund", "status",
        "assignee_id", "created_at", "updated_at", "version",
    ]
    /// The ticket columns of `table` (a name or an alias), as `ticket(from:)` reads them.
    static func ticketColumns(of table: String = "tickets") -> String {
        ticketColumnNames.map { "\(table).\($0)" }.joined(separator: ", ")
    }

    /// The ticket in `row`'s ticket columns (read by name, so the same code serves the plain read
    /// and the record-and-lock statement); nil when they are NULL: no such ticket yet.
    static func ticket(from row: PostgresRow) throws -> Ticket? {
        let columns = PostgresRandomAccessRow(row)
        guard let id = try columns["id"].decode(UUID?.self) else { return nil }
        let refund = try columns["refund"].decode(String?.self)
        return Ticket(
            id: TicketID(id), ownerID: try columns["owner_id"].decode(String.self),
            ownerName: try columns["owner_name"].decode(String.self), title: try columns["title"].decode(String.self),
            description: try columns["description"].decode(String.self),
            category: try columns["category"].decode(String?.self),
            refund: try refund.map { try JSONCoding.decoder().decode(RefundRequest.self, from: Data($0.utf8)) },
            status: TicketStatus(rawValue: try columns["status"].decode(String.self)) ?? .new,
            assigneeID: try columns["assignee_id"].decode(String?.self),
            createdAt: try columns["created_at"].decode(Date.self),
            updatedAt: try columns["updated_at"].decode(Date.self), version: try columns["version"].decode(Int.self))
    }
}
