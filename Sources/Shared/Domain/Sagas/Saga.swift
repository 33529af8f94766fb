import Foundation

/// A saga declared as data: the steps another system must confirm, in order, before the help desk
/// acts, and how to undo each. A second saga is a new declaration, not new plumbing: `SagaMachine`
/// runs any of them.
public struct SagaDefinition: Sendable, Hashable, Codable {
    public let name: String
    public let steps: [Step]

    public struct Step: Sendable, Hashable, Codable {
        /// Names the step in replies and in the saga's state (`billing.refund`).
        public let name: String
        /// The routing key the request leaves with (on `sopz.integration`).
        public let request: String
        /// The routing key that undoes a completed step; nil when it needs no undoing.
        public let compensation: String?
        /// How long a reply may take before the step counts as failed.
        public let timeout: TimeInterval

        public init(name: String, request: String, compensation: String?, timeout: TimeInterval) {
            self.name = name
            self.request = request
            self.compensation = compensation
            self.timeout = timeout
        }
    }

    public init(name: String, steps: [Step]) {
        self.name = name
        self.steps = steps
    }

    /// Resolving a `refund` ticket: billing refunds, then the ledger records it.
    public static let refund = SagaDefinition(
        name: "refund",
        steps: [
            Step(
                name: "billing.refund", request: "billing.refund.request", compensation: "billing.refund.reverse",
                timeout: 60),
            Step(name: "ledger.record", request: "ledger.refund.record", compensation: nil, timeout: 60),
        ])
}

/// Where one run of a saga stands. Plain data, stored with the ticket it is about, so it survives
/// every restart; every change comes from `SagaMachine`.
public struct SagaState: Sendable, Hashable, Codable {
    public let id: UUID
    public let definition: SagaDefinition
    public internal(set) var phase: Phase
    /// The references other systems gave for the steps they completed, by step name.
    public internal(set) var references: [String: String]
    /// When the awaited reply is late (nil once the saga has ended).
    public internal(set) var deadline: Date?
    /// How many times the current undo was sent before (its request id changes each time).
    public internal(set) var compensationAttempt = 0

    init(id: UUID, definition: SagaDefinition, phase: Phase, references: [String: String], deadline: Date?) {
        self.id = id
        self.definition = definition
        self.phase = phase
        self.references = references
        self.deadline = deadline
    }

    public enum Phase: Sendable, Hashable, Codable {
        /// Awaiting the reply to step `index`'s request.
        case running(step: Int)
        /// Undoing completed step `index` (and then those before it), because `reason`.
        case compensating(step: Int, reason: String)
        case succeeded
        /// Everything completed was undone.
        case failed(reason: String)
    }

    mutating func awaitReply(within timeout: TimeInterval, from now: Date) {
        deadline = now.addingTimeInterval(timeout)
    }

    mutating func move(to next: Phase, waiting timeout: TimeInterval, from now: Date) {
        phase = next
        awaitReply(within: timeout, from: now)
    }

    mutating func record(_ reference: String, for step: String) { references[step] = reference }

    mutating func end(_ last: Phase) {
        phase = last
        deadline = nil
    }

    public var hasEnded: Bool {
        switch phase {
        case .succeeded, .failed: true
        case .running, .compensating: false
        }
    }
}

/// What another system answered about one request of a saga.
public struct SagaReply: Sendable, Hashable {
    public let sagaID: UUID
    /// The request answered (`SagaMachine.requestID`): a reply to anything else is a duplicate or
    /// late, and changes nothing.
    public let requestID: UUID
    public let outcome: Outcome

    public enum Outcome: Sendable, Hashable {
        case succeeded(reference: String)
        case failed(reason: String)
    }

    public init(sagaID: UUID, requestID: UUID, outcome: Outcome) {
        self.sagaID = sagaID
        self.requestID = requestID
        self.outcome = outcome
    }
}

/// A request a saga sends another system, on `sopz.integration`: the reply names its `id`.
public struct IntegrationRequest: Hashable, Sendable {
    public let id: UUID
    /// What is asked (`billing.refund.request`): the routing key.
    public let routingKey: String
    public let sagaID: UUID
    /// The saga's name (`refund`).
    public let saga: String
    public let ticketID: TicketID
    /// What is refunded.
    public let refund: RefundRequest?
    /// What the steps completed so far answered (an undo names what it undoes).
    public let references: [String: String]
    public let at: Date

    public init(
        id: UUID, routingKey: String, sagaID: UUID, saga: String, ticketID: TicketID, refund: RefundRequest?,
        references: [String: String], at: Date
    ) {
        self.id = id
        self.routingKey = routingKey
        self.sagaID = sagaID
        self.saga = saga
        self.ticketID = ticketID
        self.refund = refund
        self.references = references
        self.at = at
    }
}

/// What running a saga asks of the world, in order.
public enum SagaEffect: Sendable, Hashable {
    /// A message to another system: a step's request or its compensation.
    case send(routingKey: String, requestID: UUID)
    /// Every step succeeded: the help desk may act (resolve the ticket, with the references).
    case completed(references: [String: String])
    /// The saga failed and everything completed was undone: say why.
    case failed(reason: String)
}
