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
    /// The final state of every ticket the batch changed, ordered by id (the order rows are locked in).
    public var tickets: [Ticket] { changed.values.sorted { $0.id.rawValue.uuidString < $1.id.rawValue.uuidString } }
    /// New events, in the order they happened.
    public private(set) var events: [TicketEvent] = []
    /// Messages to other systems, in the order they were asked for.
    public private(set) var effects: [TicketDecision.Effect] = []
    public private(set) var rejections: [(CommandID, TicketRejection)] = []
    /// Commands to try again later: their records are taken back so a redelivery is not a duplicate.
    public private(set) var withdrawn: [CommandID] = []

    private var changed: [TicketID: Ticket] = [:]

    /// Decides `envelopes` in order with `rules`, starting from what the store `locked`, at `now`.
    public init(_ envelopes: [CommandEnvelope], locked: LockedState, now: Date, rules: Rules) {
        var context = DecisionContext(now: now, tickets: locked.tickets)
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
                for ticket in accepted.tickets { changed[ticket.id] = ticket }
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
    }

    /// True when the batch changes nothing beyond recording command ids.
    public var writesNothing: Bool { changed.isEmpty && events.isEmpty && rejections.isEmpty && withdrawn.isEmpty }
}

/// What the store recorded, locked and loaded for a batch, before anything is decided.
public struct LockedState: Sendable {
    /// The commands whose ids this transaction recorded; any other was seen before.
    public let recorded: Set<CommandID>
    /// The tickets the batch addresses, as stored (locked), by id; missing ones do not exist yet.
    public let tickets: [TicketID: Ticket]

    public init(recorded: Set<CommandID>, tickets: [TicketID: Ticket]) {
        self.recorded = recorded
        self.tickets = tickets
    }
}
