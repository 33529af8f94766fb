import Foundation
import SopzContract
import SopzDomain
import SopzPorts
import SopzProcessing
import Synchronization

/// The write model in memory — command log, tickets, events — for tests that apply and read
/// commands without PostgreSQL. A batch is applied under one lock, as a transaction would be; a
/// finished batch is announced on `notifications` the way the dispatcher's `NOTIFY` announces it
/// (comma-separated command ids).
public final class InMemoryWriteModel: CommandStore, CommandOutcomeReading, TicketReading {
    private struct State {
        var commands: [CommandID: CommandRecord] = [:]
        var tickets: [TicketID: Ticket] = [:]
        var events: [TicketEvent] = []
    }

    private let state = Mutex(State())
    public let notifications: AsyncStream<String>
    private let notify: AsyncStream<String>.Continuation

    public init() {
        (notifications, notify) = AsyncStream.makeStream(of: String.self)
    }

    /// Every event appended, in order.
    public var events: [TicketEvent] { state.withLock { $0.events } }

    /// Stores `ticket` as if an earlier command had made it.
    public func insert(_ ticket: Ticket) { state.withLock { $0.tickets[ticket.id] = ticket } }

    /// Records `record` as if a dispatcher had finished that command.
    public func insert(_ record: CommandRecord) { state.withLock { $0.commands[record.commandID] = record } }

    public func apply(
        _ envelopes: [CommandEnvelope], planning plan: @Sendable (LockedState) -> BatchPlan
    ) async throws -> BatchPlan {
        let planned = state.withLock { state in
            var recorded = Set<CommandID>()
            for envelope in envelopes where state.commands[envelope.commandID] == nil {
                recorded.insert(envelope.commandID)
                state.commands[envelope.commandID] = CommandRecord(
                    commandID: envelope.commandID, issuerID: envelope.issuer.id, type: envelope.command.type,
                    ticketID: envelope.ticketID, status: .done, rejection: nil,
                    fingerprint: envelope.command.fingerprint)
            }
            let planned = plan(LockedState(recorded: recorded, tickets: state.tickets))
            for ticket in planned.tickets { state.tickets[ticket.id] = ticket }
            state.events += planned.events
            for (id, rejection) in planned.rejections {
                guard let record = state.commands[id] else { continue }
                state.commands[id] = CommandRecord(
                    commandID: id, issuerID: record.issuerID, type: record.type, ticketID: record.ticketID,
                    status: .rejected, rejection: rejection, fingerprint: record.fingerprint)
            }
            for id in planned.withdrawn { state.commands[id] = nil }
            return planned
        }
        notify.yield(envelopes.map(\.commandID.description).joined(separator: ","))
        return planned
    }

    public func finishedCommands(_ ids: [CommandID]) async throws -> [CommandID: FinishedCommand] {
        state.withLock { state in
            var finished: [CommandID: FinishedCommand] = [:]
            for id in ids {
                guard let record = state.commands[id] else { continue }
                finished[id] = FinishedCommand(record: record, ticket: record.ticketID.flatMap { state.tickets[$0] })
            }
            return finished
        }
    }

    public func ticket(_ id: TicketID) async throws -> Ticket? { state.withLock { $0.tickets[id] } }
}
