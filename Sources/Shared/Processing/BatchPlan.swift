import Foundation
import SopzDomain

/// What one transaction writes for a batch of commands, worked out without I/O.
///
/// Each command is decided in order against the state the earlier ones left, exactly as if it
/// had been applied alone after them; the plan then holds the net writes (every changed ticket
/// once, in its final state), so the whole batch is stored in one statement.
public struct BatchPlan: Sendable {
    /// How a command becomes a decision (`TicketRules.decide` in production).
    public typealias Rules = @Sendable (CommandEnvelope, DecisionContext) -> TicketDecision

    /// One per command, in the order given.
    public private(set) var outcomes: [ApplyOutcome] = []
    /// The final state of every ticket the batch changed, in the order they were first changed
    /// (so new tickets are stored in the order they were opened: the backlog's order).
    public var tickets: [Ticket] { changedOrder.compactMap { changed[$0] } }
    /// Every administrator the batch registered or changed (availability, load, last
    /// assignment), in their final state, ordered by id.
    public private(set) var administrators: [AssignmentPool.Member] = []
    /// New events, in the order they happened.
    public private(set) var events: [TicketEvent] = []
    /// Every webhook subscription the batch registered or changed, in its final state, by id.
    public var webhooks: [WebhookSubscription] {
        changedWebhooks.values.sorted { $0.id.description < $1.id.description }
    }
    /// Every saga the batch started or moved on, in its final state.
    public var sagas: [TicketSaga] { changedSagas.values.sorted { $0.id.uuidString < $1.id.uuidString } }
    /// Messages to other systems, in the order they were asked for.
    public private(set) var effects: [TicketDecision.Effect] = []
    public private(set) var rejections: [(CommandID, TicketRejection)] = []
    /// Commands to try again later: their records are taken back so a redelivery is not a duplicate.
    public private(set) var withdrawn: [CommandID] = []

    private var changed: [TicketID: Ticket] = [:]
    private var changedWebhooks: [WebhookID: WebhookSubscription] = [:]
    /// Webhook deliveries to start again, in the order asked for.
    public private(set) var webhookReplays: [WebhookReplay] = []
    private var changedSagas: [UUID: TicketSaga] = [:]
    private var changedOrder: [TicketID] = []

    /// Decides `envelopes` in order with `rules`, starting from what the store `locked`, at `now`;
    /// nobody is given more than `capacity` tickets by the system; resolutions start the sagas
    /// `sagas` declares.
    public init(
        _ envelopes: [CommandEnvelope], locked: LockedState, now: Date, capacity: Int = AssignmentPool.defaultCapacity,
        sagas: SagaCatalogue = .standard, rules: Rules
    ) {
        let pool = AssignmentPool(capacity: capacity, members: locked.administrators)
        var context = DecisionContext(
            now: now, tickets: locked.tickets, pool: pool, backlog: locked.backlog, archived: locked.archived,
            webhooks: locked.webhooks, sagas: locked.sagas)
        context.sagaCatalogue = sagas
        var judged = Set<CommandID>()
        for envelope in envelopes {
            // A command recorded before, or already judged in this batch, changes nothing.
            guard locked.recorded.contains(envelope.commandID), judged.insert(envelope.commandID).inserted else {
                outcomes.append(.duplicate)
                continue
            }
            switch rules(envelope, context) {
            case .accept(let accepted):
                context.apply(accepted)
                for ticket in accepted.tickets {
                    if changed.updateValue(ticket, forKey: ticket.id) == nil { changedOrder.append(ticket.id) }
                }
                for webhook in accepted.webhooks { changedWebhooks[webhook.id] = webhook }
                webhookReplays += accepted.replays
                for saga in accepted.sagas { changedSagas[saga.id] = saga }
                events += accepted.events
                effects += accepted.effects
                outcomes.append(.applied(context.ticket(envelope.ticketID)))
            case .reject(let rejection):
                rejections.append((envelope.commandID, rejection))
                outcomes.append(.rejected(rejection))
            case .retryLater(let reason):
                withdrawn.append(envelope.commandID)
                outcomes.append(.retryLater(reason: reason))
            }
        }
        administrators = context.pool.all.filter { pool.member($0.id) != $0 }
    }

    /// True when the batch changes nothing beyond recording command ids.
    public var writesNothing: Bool {
        changed.isEmpty && administrators.isEmpty && changedWebhooks.isEmpty && webhookReplays.isEmpty
            && changedSagas.isEmpty && events.isEmpty
            && rejections.isEmpty && effects.isEmpty && withdrawn.isEmpty
    }
}

/// What the store recorded, locked and loaded for a batch, before anything is decided.
public struct LockedState: Sendable {
    /// The commands whose ids this transaction recorded; any other was seen before.
    public let recorded: Set<CommandID>
    /// The tickets the batch addresses and the backlog's, as stored (locked), by id; missing
    /// ones do not exist yet.
    public let tickets: [TicketID: Ticket]
    /// Every administrator, as stored (locked with the batch).
    public let administrators: [AssignmentPool.Member]
    /// The oldest tickets waiting for an administrator, oldest first — at least as many as the
    /// batch could assign (`BacklogBound`); each is in `tickets`.
    public let backlog: [TicketID]
    /// Of the tickets the batch addresses, those archived: gone from the write model for good.
    public let archived: Set<TicketID>
    /// The webhook subscriptions the batch addresses, as stored (locked), by id.
    public let webhooks: [WebhookID: WebhookSubscription]
    /// The latest saga of each refund ticket the batch addresses.
    public let sagas: [TicketID: TicketSaga]

    public init(
        recorded: Set<CommandID>, tickets: [TicketID: Ticket], administrators: [AssignmentPool.Member] = [],
        backlog: [TicketID] = [], archived: Set<TicketID> = [], webhooks: [WebhookID: WebhookSubscription] = [:],
        sagas: [TicketID: TicketSaga] = [:]
    ) {
        self.sagas = sagas
        self.recorded = recorded
        self.tickets = tickets
        self.administrators = administrators
        self.backlog = backlog
        self.archived = archived
        self.webhooks = webhooks
    }
}

/// The webhook subscriptions a batch addresses, which its store locks and loads (commands on
/// subscriptions are few: a batch without any costs the store nothing for them).
public enum WebhookBound {
    public static func addressed(by envelopes: [CommandEnvelope]) -> [WebhookID] {
        var seen = Set<WebhookID>()
        return envelopes.compactMap { envelope in
            guard case .webhook(let command) = envelope.command else { return nil }
            let id = command.webhookID(in: envelope)
            return seen.insert(id).inserted ? id : nil
        }
    }
}

/// How many of the oldest waiting tickets a store must load so a batch can never assign one it
/// did not load: every ticket it could assign fills a free place — one an available administrator
/// has now, one a command of the batch frees (a ticket resolved, cancelled, closed, handed back
/// or moved on: at most one each), or one of an administrator who becomes available or signs in
/// (at most `capacity` less the load they carry). Creates free nothing. The store adds what is
/// free now and what each joining administrator brings, from the rows it locks: a bound of
/// `capacity` per sign-in instead made every sign-in of a full administrator lock and load
/// `capacity` waiting tickets for nothing (100 MiB per sign-in at the benchmark's capacity).
public enum BacklogBound {
    /// The places the batch's commands on tickets may free: one each.
    public static func freedPlaces(by envelopes: [CommandEnvelope]) -> Int {
        envelopes.reduce(0) { total, envelope in
            switch envelope.command {
            case .create, .setAvailability, .registerAdministrator, .webhook: total
            // A saga's end resolves its ticket (or brings it back): one place at most.
            case .cancel, .changeStatus, .confirm, .reopen, .assign, .postMessage, .saga: total + 1
            }
        }
    }

    /// The administrators who may gain places: those who sign in or change their availability
    /// (each once, in the order first named).
    public static func joiningAdministrators(in envelopes: [CommandEnvelope]) -> [String] {
        var seen = Set<String>()
        return envelopes.compactMap { envelope in
            switch envelope.command {
            case .setAvailability, .registerAdministrator:
                seen.insert(envelope.issuer.id).inserted ? envelope.issuer.id : nil
            case .create, .cancel, .changeStatus, .confirm, .reopen, .assign, .postMessage, .webhook, .saga: nil
            }
        }
    }
}
