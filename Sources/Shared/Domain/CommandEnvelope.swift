import Foundation

/// A request to change the help desk, as it travels from the ingress through RabbitMQ to a
/// dispatcher.
///
/// The ingress stamps who asked and when; the dispatcher decides. (Its JSON form is in
/// SopzContract: `CommandEnvelope+Wire.swift`.)
public struct CommandEnvelope: Hashable, Sendable {
    public let commandID: CommandID
    public let issuedAt: Date
    public let issuer: User
    /// The ticket the command is about; nil for a command about the issuer (availability, sign-in).
    public let ticketID: TicketID?
    public let command: TicketCommand
    /// `If-Match`: the ticket version the issuer saw; the command is refused if it moved on.
    public let expectedVersion: Int?

    public init(
        commandID: CommandID, issuedAt: Date, issuer: User, ticketID: TicketID?, command: TicketCommand,
        expectedVersion: Int? = nil
    ) {
        self.commandID = commandID
        self.issuedAt = issuedAt
        self.issuer = issuer
        self.ticketID = ticketID
        self.command = command
        self.expectedVersion = expectedVersion
    }
}

/// What the issuer wants done.
public enum TicketCommand: Hashable, Sendable {
    /// A client opens a ticket.
    case create(NewTicket)
    /// The owning client withdraws their ticket before it is resolved.
    case cancel(Cancellation)
    /// Staff move a ticket along the lifecycle.
    case changeStatus(StatusChange)
    /// The owning client accepts the resolution (resolved → closed).
    case confirm(Confirmation)
    /// The owning client says the resolution did not help (resolved → in progress).
    case reopen(Reopening)
    /// A manager gives the ticket to an administrator, or back to the pool.
    case assign(AssigneeChange)
    /// The owning client or an administrator writes in the ticket's chat.
    case postMessage(NewMessage)
    /// An administrator says whether they take new tickets.
    case setAvailability(Availability)
    /// An administrator signed in: the help desk knows them from now on.
    case registerAdministrator
    /// A manager changes who hears of events by webhook.
    case webhook(WebhookCommand)
    /// A saga's traffic coming back: another system's reply, or the clock.
    case saga(SagaCommand)
}

/// What moves a running saga on (both carry the saga's ticket as `ticketId`).
public enum SagaCommand: Hashable, Sendable {
    /// Another system answered one of the saga's requests (published on `sopz.integration`,
    /// routing key `saga.reply`). No HTTP route sends it.
    case reply(SagaReply)
    /// The notifier's clock: the saga's deadline passed with no reply.
    case tick(sagaID: UUID)

    public var sagaID: UUID {
        switch self {
        case .reply(let reply): reply.sagaID
        case .tick(let id): id
        }
    }
}

/// What a manager does to webhook subscriptions.
public enum WebhookCommand: Hashable, Sendable {
    /// Subscribes a URL to events; the subscription's id derives from the command's.
    case register(NewWebhook)
    /// Gives the subscription a new signing secret (the command's: see `WebhookSubscription`), the
    /// previous one signing alongside for a while.
    case rotateSecret(WebhookID, SecretRotation)
    /// Stops deliveries until it is enabled again.
    case disable(WebhookID, WebhookDisabling)
    /// Delivers again (after a manager or a 410 Gone disabled it).
    case enable(WebhookID)
    /// Removes it for good.
    case delete(WebhookID)
    /// Delivers one event again (`delivery`: its id in the delivery log), with a fresh schedule.
    case replay(WebhookID, delivery: Int64)
    /// The notifier's: the receiver answered 410 Gone, so nothing more is delivered until a
    /// manager enables the subscription again. No HTTP route sends it.
    case receiverGone(WebhookID)

    /// The subscription the command is about (for a registration, the one it creates).
    public func webhookID(in envelope: CommandEnvelope) -> WebhookID {
        switch self {
        case .register: NewWebhook.id(registeredBy: envelope.commandID)
        case .rotateSecret(let id, _), .disable(let id, _), .enable(let id), .delete(let id), .replay(let id, _),
            .receiverGone(let id):
            id
        }
    }
}
