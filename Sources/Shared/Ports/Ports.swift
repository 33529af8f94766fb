import SopzContract
import SopzDomain

// What the ingress needs from the world outside it, as Sendable protocols: the HTTP edge's own
// logic (validation, problems, access, headers, `Prefer`, idempotency) is tested against the
// in-memory implementations in SopzTestSupport, without servers; the real ones (RabbitMQ,
// PostgreSQL) are tested against the real servers.

/// Hands a command to the broker.
public protocol CommandPublishing: Sendable {
    /// Returns only once the command is durable (a publisher confirm from the quorum queue);
    /// throws when it could not be queued — then nothing was accepted.
    func publish(_ envelope: CommandEnvelope) async throws
}

/// The command log: what became of finished commands.
public protocol CommandOutcomeReading: Sendable {
    /// The outcomes of those of `ids` that are finished, each with its ticket as it is now: one
    /// read for many commands. Ids not (yet) finished are absent.
    func finishedCommands(_ ids: [CommandID]) async throws -> [CommandID: FinishedCommand]
}

/// Tickets as stored.
public protocol TicketReading: Sendable {
    /// The ticket with `id`, nil when there is none.
    func ticket(_ id: TicketID) async throws -> Ticket?
    /// Who owns ticket `id` if it was archived (long final, gone from the write model), else nil.
    func archivedOwner(of id: TicketID) async throws -> String?
}

/// Whether one of the servers a process needs answers (`/readyz`).
public protocol ReadinessProbe: Sendable {
    /// How `/readyz` names it (`broker`, `database`, `readDatabase`).
    var name: String { get }
    /// What the process can still do while this server answers (with the others of its part).
    var part: ServedPart { get }
    func isReady() async -> Bool
}

/// The halves of what the ingress serves, each usable while the other's servers are down.
public enum ServedPart: Sendable {
    /// Accepting commands and waiting for their outcomes: RabbitMQ and the write database.
    case commands
    /// Queries: the read database.
    case reads
}

/// Webhook subscriptions as the write model keeps them (managers' few rows: no projection).
public protocol WebhookReading: Sendable {
    /// The subscription with `id`, deleted ones included (they answer 404 at the edge); nil if none.
    func webhook(_ id: WebhookID) async throws -> WebhookSubscription?
    /// One page of the subscriptions not deleted, oldest first, after `cursor` (`[createdAt, id]`).
    func webhooks(limit: Int, after cursor: ListCursor?) async throws -> Page<WebhookSubscription>
    /// One page of `id`'s delivery log, newest first, after `cursor` (`[deliveryId]`).
    func deliveries(of id: WebhookID, limit: Int, after cursor: ListCursor?) async throws -> Page<WebhookDelivery>
}

extension WebhookReading {
    /// Delivery `id` of `webhook`'s log; nil when the log has no such delivery.
    public func delivery(_ id: Int64, of webhook: WebhookID) async throws -> WebhookDelivery? {
        guard id < Int64.max else { return nil }
        return try await deliveries(of: webhook, limit: 1, after: ListCursor(keys: [String(id + 1)])).items.first {
            $0.id == id
        }
    }
}

/// The sagas tickets run, as managers see them (operational state: read from the write model).
public protocol SagaReading: Sendable {
    /// One page of the sagas in `statuses` (every one when empty), the latest changed first,
    /// after `cursor` (`[updatedAt, id]`).
    func sagas(statuses: [String], limit: Int, after cursor: ListCursor?) async throws -> Page<SagaSummary>
}
