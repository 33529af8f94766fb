import Foundation
import SopzContract
import SopzDomain
import SopzPorts
import SopzProcessing
import Synchronization

/// The write model in memory — command log, tickets, events, administrators, webhooks — for tests that
/// apply and read commands without PostgreSQL. A batch is applied under one lock, as a transaction would be; a
/// finished batch is announced on `notifications` the way the dispatcher's `NOTIFY` announces it
/// (comma-separated command ids).
public final class InMemoryWriteModel: CommandStore, CommandOutcomeReading, TicketReading, WebhookReading,
    SagaReading
{
    private struct State {
        var commands: [CommandID: CommandRecord] = [:]
        var tickets: [TicketID: Ticket] = [:]
        var events: [TicketEvent] = []
        var administrators: [String: (member: AssignmentPool.Member, firstSeenAt: Date)] = [:]
        /// The order tickets were stored in (PostgreSQL's `opened_order`).
        var openedOrder: [TicketID: Int] = [:]
        /// Owners of the tickets archived (`archive`).
        var archived: [TicketID: String] = [:]
        var webhooks: [WebhookID: WebhookSubscription] = [:]
    }

    private let state = Mutex(State())
    public let notifications: AsyncStream<String>
    private let notify: AsyncStream<String>.Continuation

    public init() {
        (notifications, notify) = AsyncStream.makeStream(of: String.self)
    }

    /// Every event appended, in order.
    public var events: [TicketEvent] { state.withLock { $0.events } }

    /// Every ticket, in no order.
    public var tickets: [Ticket] { state.withLock { Array($0.tickets.values) } }

    /// Stores `ticket` as if an earlier command had made it.
    public func insert(_ ticket: Ticket) {
        state.withLock { state in
            if state.tickets.updateValue(ticket, forKey: ticket.id) == nil {
                state.openedOrder[ticket.id] = state.openedOrder.count
            }
        }
    }

    /// Records `record` as if a dispatcher had finished that command.
    public func insert(_ record: CommandRecord) { state.withLock { $0.commands[record.commandID] = record } }

    /// Every administrator the model knows, by id.
    public var administrators: [AssignmentPool.Member] { state.withLock { $0.administrators.values.map(\.member) } }

    /// Every administrator the model knows as the directory shows them, in no order.
    public var directory: [Administrator] {
        state.withLock { state in
            state.administrators.values.map { known in
                Administrator(
                    id: known.member.id, name: known.member.name, available: known.member.available,
                    load: known.member.load, firstSeenAt: known.firstSeenAt, lastSeenAt: known.member.lastSeenAt)
            }
        }
    }

    public func apply(
        _ envelopes: [CommandEnvelope], capacity: Int, planning plan: @Sendable (LockedState) -> BatchPlan
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
            // The whole backlog: nothing is too many in memory.
            let order = state.openedOrder
            let backlog = state.tickets.values.filter(\.isWaitingForAssignment)
                .sorted { ($0.createdAt, order[$0.id] ?? 0) < ($1.createdAt, order[$1.id] ?? 0) }
            let planned = plan(
                LockedState(
                    recorded: recorded, tickets: state.tickets,
                    administrators: state.administrators.values.map(\.member),
                    backlog: backlog.map(\.id), archived: Set(state.archived.keys), webhooks: state.webhooks))
            for webhook in planned.webhooks { state.webhooks[webhook.id] = webhook }
            for ticket in planned.tickets {
                if state.tickets.updateValue(ticket, forKey: ticket.id) == nil {
                    state.openedOrder[ticket.id] = state.openedOrder.count
                }
            }
            for member in planned.administrators {
                state.administrators[member.id] = (
                    member, state.administrators[member.id]?.firstSeenAt ?? member.lastSeenAt
                )
            }
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

    public func webhook(_ id: WebhookID) async throws -> WebhookSubscription? { state.withLock { $0.webhooks[id] } }

    /// Sagas are kept by the PostgreSQL store alone: in memory there are none.
    public func sagas(statuses: [String], limit: Int, after cursor: ListCursor?) async throws -> Page<SagaSummary> {
        Page(items: [], nextCursor: nil)
    }

    /// Deliveries are the notifier's: in memory there are none.
    public func deliveries(
        of id: WebhookID, limit: Int, after cursor: ListCursor?
    ) async throws -> Page<
        WebhookDelivery
    > {
        Page(items: [], nextCursor: nil)
    }

    /// Ordered and paged as PostgreSQL's is (by creation, then id).
    public func webhooks(limit: Int, after cursor: ListCursor?) async throws -> Page<WebhookSubscription> {
        let after = (cursor?.keys.first.flatMap(JSONCoding.date(from:)) ?? .distantPast, cursor?.keys.last ?? "")
        let found = state.withLock { Array($0.webhooks.values) }
            .filter { $0.status != .deleted && ($0.createdAt, $0.id.description) > after }
            .sorted { ($0.createdAt, $0.id.description) < ($1.createdAt, $1.id.description) }
        return .first(limit, of: found, keys: \.listKeys)
    }

    public func archivedOwner(of id: TicketID) async throws -> String? { state.withLock { $0.archived[id] } }

    /// Marks ticket `id` archived as retention does. It stays readable: this model doubles as the
    /// read model, which keeps archived tickets, so commands find it and the batch refuses them.
    public func archive(_ id: TicketID) {
        state.withLock { state in state.archived[id] = state.tickets[id]?.ownerID }
    }
}
