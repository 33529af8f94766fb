import Foundation
import SopzDomain

/// One event's delivery to one subscription, as managers read it in the delivery log.
public struct WebhookDelivery: Sendable, Equatable, Encodable {
    /// The log's id for it (what a replay names).
    public let id: Int64
    /// The CloudEvent's id: the `webhook-id` of every attempt.
    public let eventId: UUID
    public let eventType: String
    public let state: State
    public let attempts: Int
    /// When it is tried next, while pending.
    public let nextAttemptAt: Date?
    public let createdAt: Date
    public let finishedAt: Date?
    /// Its attempts, oldest first.
    public let log: [Attempt]

    public enum State: String, Sendable, Equatable, Encodable {
        case pending, delivered, failed
    }

    public struct Attempt: Sendable, Equatable, Encodable {
        public let attempt: Int
        public let at: Date
        /// The receiver's HTTP status; absent when it gave none.
        public let status: Int?
        public let latencyMs: Int
        public let error: String?

        public init(attempt: Int, at: Date, status: Int?, latencyMs: Int, error: String?) {
            self.attempt = attempt
            self.at = at
            self.status = status
            self.latencyMs = latencyMs
            self.error = error
        }
    }

    public init(
        id: Int64, eventId: UUID, eventType: String, state: State, attempts: Int, nextAttemptAt: Date?,
        createdAt: Date, finishedAt: Date?, log: [Attempt]
    ) {
        self.id = id
        self.eventId = eventId
        self.eventType = eventType
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.log = log
    }

    private enum CodingKeys: String, CodingKey {
        case id, eventId, eventType, state, attempts, nextAttemptAt, createdAt, finishedAt, log
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(String(id), forKey: .id)
        try container.encode(eventId.uuidString.lowercased(), forKey: .eventId)
        try container.encode(eventType, forKey: .eventType)
        try container.encode(state, forKey: .state)
        try container.encode(attempts, forKey: .attempts)
        try container.encodeIfPresent(nextAttemptAt, forKey: .nextAttemptAt)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encodeIfPresent(finishedAt, forKey: .finishedAt)
        try container.encode(log, forKey: .log)
    }
}
