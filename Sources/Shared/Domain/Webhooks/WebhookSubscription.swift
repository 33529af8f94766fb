import Foundation

/// A manager's request that Sopz POST the events it names to a URL, signed as Standard Webhooks
/// asks. Its signing secret is never stored or sent through the broker: it derives from the
/// server's webhook key, the id and `secretGeneration` (SopzContract's `WebhookSecrets`), so a
/// rotation is a number going up.
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
    /// Which secret deliveries are signed with now (1 at registration, one more per rotation).
    public var secretGeneration: Int
    /// Until then deliveries carry a second signature made with the previous generation's secret,
    /// so a receiver can switch secrets at its own pace; nil when there is none.
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
        status: Status = .active, disabledReason: String? = nil, secretGeneration: Int = 1,
        previousSecretValidUntil: Date? = nil, version: Int = 1, updatedAt: Date? = nil
    ) {
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

    /// The secret generations a delivery made at `now` is signed with: the current one, and the
    /// previous one while it is still valid.
    public func signingGenerations(at now: Date) -> [Int] {
        guard secretGeneration > 1, let until = previousSecretValidUntil, now < until else { return [secretGeneration] }
        return [secretGeneration, secretGeneration - 1]
    }

    /// Whether a delivery of event `name` is due to it.
    public func wants(_ name: String) -> Bool { status == .active && events.contains(name) }
}
