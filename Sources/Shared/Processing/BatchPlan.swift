import Foundation
import SopzDomain

/// What one transaction writes for a batch of commands, worked out without I/O.
///
/// Each command is judged in order against the state the earlier ones left, exactly as if it
/// had been applied alone after them; the plan then holds the net writes (every changed ticket
/// once, in its final state), so the whole batch is stored in one statement.
public struct BatchPlan: Sendable {
    /// One per command, in the order given.
    public private(set) var outcomes: [ApplyOutcome] = []
    /// The final state of every ticket the batch changed, ordered by id (the order rows are locked in).
    public var tickets: [Ticket] { changed.values.sorted { $0.id.rawValue.uuidString < $1.id.rawValue.uuidString } }
    /// New events, in the order they happened.
    public private(set) var events: [TicketEvent] = []
    public private(set) var rejections: [(CommandID, TicketRejection)] = []
    /// Commands to try again later: their records are taken back so a redelivery is not a duplicate.
    public private(set) var withdrawn: [CommandID] = []

    private var changed: [TicketID: Ticket] = [:]

    /// - Parameters:
    ///   - recorded: the commands whose ids this transaction recorded; any other was seen before.
    ///   - current: the tickets as stored (locked), by id; missing ones do not exist yet.
    public init(
        _ envelopes: [CommandEnvelope], recorded: Set<CommandID>, current: [TicketID: Ticket], now: Date,
        decide: (CommandEnvelope, Ticket?, Date) -> TicketDecision
    ) {
        var state = current
        var judged = Set<CommandID>()
        for envelope in envelopes {
            // A command recorded before, or already judged in this batch, changes nothing.
            guard recorded.contains(envelope.commandID), judged.insert(envelope.commandID).inserted else {
                outcomes.append(.duplicate)
                continue
            }
            switch decide(envelope, state[envelope.ticketID], now) {
            case .accept(let newEvents, let ticket):
                state[ticket.id] = ticket
                changed[ticket.id] = ticket
                events += newEvents
                outcomes.append(.applied(ticket))
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
