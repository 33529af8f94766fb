/// What applying one command decided.
public enum TicketDecision: Hashable, Sendable {
    /// Append these events, store these tickets, send these effects.
    case accept(Accepted)
    /// Refuse; nothing changes but the command is recorded as rejected.
    case reject(TicketRejection)
    /// The state the command needs is not there yet (a ticket whose create may still be in
    /// flight): nothing is recorded, and the command is tried again later.
    case retryLater(reason: String)

    /// What an accepted command changes.
    public struct Accepted: Hashable, Sendable {
        /// New events, in the order they happened.
        public var events: [TicketEvent]
        /// Every ticket the command changed, in its new state.
        public var tickets: [Ticket]
        /// Administrators the command registered or changed (loads follow the tickets by
        /// themselves: `DecisionContext.apply`).
        public var administrators: [AssignmentPool.Member]
        /// Webhook subscriptions the command registered or changed, in their new state.
        public var webhooks: [WebhookSubscription]
        /// Webhook deliveries to start again.
        public var replays: [WebhookReplay]
        /// Sagas the command started or moved on, in their new state.
        public var sagas: [TicketSaga]
        /// Messages to other systems, sent once the batch committed.
        public var effects: [Effect]

        public init(
            events: [TicketEvent], tickets: [Ticket], administrators: [AssignmentPool.Member] = [],
            webhooks: [WebhookSubscription] = [], replays: [WebhookReplay] = [], sagas: [TicketSaga] = [],
            effects: [Effect] = []
        ) {
            self.replays = replays
            self.sagas = sagas
            self.events = events
            self.tickets = tickets
            self.administrators = administrators
            self.webhooks = webhooks
            self.effects = effects
        }
    }

    /// A message to another system that a decision asks for, sent through the outbox once the
    /// batch committed.
    public enum Effect: Hashable, Sendable {
        /// A saga's request (to billing, to the ledger) on `sopz.integration`.
        case integration(IntegrationRequest)
    }
}
