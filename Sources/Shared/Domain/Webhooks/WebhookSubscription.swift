import Foundation

/// A manager's request that Sopz POST the events it names to a URL, signed as Standard Webhooks
/// asks. Its signing secret is never stored or sent through the broker: it derives from the
/// server's webhook key, the id and the command that made it (`secretMadeBy`; SopzContract's
/// `WebhookSecrets`) — so the ingress can show it before the command is applied, and a retried
/// request (the same command) shows the same one.
public struct WebhookSubscription: Hashable, Sendable, Codable {
    public let id: WebhookID
    public var url: String
    /// The event names it wants (`resolved`, `message_posted`, …), sorted, each once.
    public var events: [String]
    public var description: String?
    /// The manager who registered it.
    public let createdBy: String
    public let createdAt: Date
    public var status: Status
    /// Why it is disabled: a manager's words, or the receiver answering 410 Gone.
    public var disabledReason: String?
    /// How many secrets it has had (1 at registration, one more per rotation).
    public var secretGeneration: Int
    /// The command whose secret signs deliveries now: the registration or the latest rotation.
    public var secretMadeBy: CommandID
    /// The one before, which also signs deliveries until `previousSecretValidUntil`.
    public var previousSecretMadeBy: CommandID?
    /// Until then deliveries carry a second signature made with the previous secret, so a
    /// receiver can switch secrets at its own pace; nil when there is none.
    public var previousSecretValidUntil: Date?
    /// One more for every change.
    public var version: Int
    public var updatedAt: Date

    public enum Status: String, Hashable, Sendable, Codable {
        /// Deliveries are made.
        case active
        /// Nothing is delivered until a manager enables it again.
        case disabled
        /// Gone for good: not listed, nothing delivered, nothing more accepted.
        case deleted
    }

    public init(
        id: WebhookID, url: String, events: [String], description: String?, createdBy: String, createdAt: Date,
        secretMadeBy: CommandID, status: Status = .active, disabledReason: String? = nil, secretGeneration: Int = 1,
        previousSecretMadeBy: CommandID? = nil, previousSecretValidUntil: Date? = nil, version: Int = 1,
        updatedAt: Date? = nil
    ) {
        self.secretMadeBy = secretMadeBy
        self.previousSecretMadeBy = previousSecretMadeBy
        self.id = id
        self.url = url
        self.events = events
        self.description = description
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.status = status
        self.disabledReason = disabledReason
        self.secretGeneration = secretGeneration
        self.previousSecretValidUntil = previousSecretValidUntil
        self.version = version
        self.updatedAt = updatedAt ?? createdAt
    }

    /// The commands whose secrets sign a delivery made at `now`: the current one, and the
    /// previous one while it is still valid.
    public func signingSecretsMadeBy(at now: Date) -> [CommandID] {
        guard let previous = previousSecretMadeBy, let until = previousSecretValidUntil, now < until else {
            return [secretMadeBy]
        }
        return [secretMadeBy, previous]
    }

    /// Whether a delivery of event `name` is due to it.
    public func wants(_ name: String) -> Bool { status == .active && events.contains(name) }
}

/// A delivery in the log to start again: pending at once, its attempts counted from one.
public struct WebhookReplay: Hashable, Sendable {
    public let webhookID: WebhookID
    public let deliveryID: Int64

    public init(webhookID: WebhookID, deliveryID: Int64) {
        self.webhookID = webhookID
        self.deliveryID = deliveryID
    }
}
