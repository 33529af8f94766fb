import Foundation
import Logging
import PostgresNIO
import SopzContract
import SopzDomain
import SopzProcessing

/// The command store in PostgreSQL: a batch of commands recorded, its tickets locked and loaded,
/// its plan written — one transaction, one BEGIN and one COMMIT (one WAL flush) for the whole
/// batch. Whatever the batch size it takes two statements: one records every command id and
/// locks and loads every ticket, and after the pure decisions one writes everything
/// (`TicketStatements.swift`).
public struct PostgresCommandStore: CommandStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func apply(
        _ envelopes: [CommandEnvelope], planning plan: @Sendable (LockedState) -> BatchPlan
    ) async throws -> BatchPlan {
        try await client.withTransaction(logger: logger) { connection in
            let planned = plan(try await recordAndLock(envelopes, on: connection))
            if !planned.writesNothing { try await write(planned, on: connection) }
            return planned
        }
    }

    /// Records the command ids (those seen before are left out of the answer) and locks and loads
    /// the tickets they address, in id order so concurrent batches queue instead of deadlocking.
    private func recordAndLock(
        _ envelopes: [CommandEnvelope], on connection: PostgresConnection
    ) async throws -> LockedState {
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
            if let ticket = try TicketRows.ticket(from: row) { current[ticket.id] = ticket }
        }
        return LockedState(recorded: recorded, tickets: current)
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

}
