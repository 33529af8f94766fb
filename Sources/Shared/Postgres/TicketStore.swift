import Foundation
import Logging
import PostgresNIO
import SopzDomain
import SopzContract
import SopzPorts
import SopzProcessing
import SopzRuntime

/// Reads of the write model in PostgreSQL: tickets and command outcomes. (Commands are written
/// by `PostgresCommandStore`.)
public struct TicketStore: TicketReading, CommandOutcomeReading {
    /// Channel notified (payload: comma-separated command ids) when commands are done or rejected.
    public static let commandsChannel = "sopz_commands"
    /// Channel notified when outbox rows are waiting.
    public static let outboxChannel = "sopz_outbox"

    let reads: BoundedReads

    public init(client: PostgresClient, logger: Logger, readTimeout: Duration = .seconds(2)) {
        reads = BoundedReads(client: client, logger: logger, timeout: readTimeout)
    }

    public func ticket(_ id: TicketID) async throws -> Ticket? {
        try await reads.run { client, logger in
            try await client.query(
                "SELECT \(unescaped: TicketRows.columns()) FROM tickets WHERE id = \(id.rawValue)", logger: logger
            ).collect().first.flatMap(TicketRows.ticket(from:))
        }
    }

    public func archivedOwner(of id: TicketID) async throws -> String? {
        try await reads.run { client, logger in
            try await client.query("SELECT owner_id FROM archived_tickets WHERE id = \(id.rawValue)", logger: logger)
                .decode(String.self).all().first
        }
    }

    public func command(_ id: CommandID) async throws -> CommandRecord? {
        try await finishedCommands([id])[id]?.record
    }

    /// The outcomes of those of `ids` that are finished, each with its ticket as it is now: one
    /// query for many commands (a notification wakes many waiting requests at once).
    public func finishedCommands(_ ids: [CommandID]) async throws -> [CommandID: FinishedCommand] {
        let ids = ids.map(\.rawValue)
        let rows = try await reads.run { client, logger in
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
            finished[id] = FinishedCommand(record: record, ticket: try TicketRows.ticket(from: row))
        }
        return finished
    }
}
