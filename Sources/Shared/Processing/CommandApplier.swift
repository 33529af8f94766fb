import Foundation
import SopzDomain

/// Applying commands, the dispatcher's layer between a delivered command and the database: the
/// store records and locks, the rules decide each command (`BatchPlan`), the store writes the
/// net result — one transaction for a whole batch.
///
/// ```swift
/// let applier = CommandApplier(store: PostgresCommandStore(client: client, logger: logger), rules: TicketRules.decide)
/// let outcomes = try await applier.apply(batch: envelopes)
/// ```
public struct CommandApplier: Sendable {
    let store: any CommandStore
    let rules: BatchPlan.Rules
    /// The most tickets the system gives one administrator (`SOPZ_ASSIGNMENT_CAPACITY`).
    let capacity: Int
    /// The sagas a resolution may start, with the operator's step timeouts.
    let sagas: SagaCatalogue
    /// The time a batch is applied at; tests pin it.
    var clock: @Sendable () -> Date = { Date() }

    public init(
        store: any CommandStore, rules: @escaping BatchPlan.Rules, capacity: Int = AssignmentPool.defaultCapacity,
        sagas: SagaCatalogue = .standard
    ) {
        self.sagas = sagas
        self.store = store
        self.rules = rules
        self.capacity = capacity
    }

    /// Applies `envelopes` in one transaction, in order, so later commands see earlier ones; one
    /// outcome per command. A command that must be retried later has its record withdrawn; the
    /// others stand. Any error fails the whole batch and commits nothing (the caller then applies
    /// the commands one by one). Timestamps are kept to the millisecond, as the API shows them.
    public func apply(batch envelopes: [CommandEnvelope]) async throws -> [ApplyOutcome] {
        guard !envelopes.isEmpty else { return [] }
        let (rules, capacity, sagas, clock) = (rules, capacity, sagas, clock)
        return try await store.apply(envelopes, capacity: capacity) { locked in
            // The time is read once the store holds its locks: batches are applied one after
            // another, so each one's time is at least the previous one's, and tickets opened
            // later never look older than tickets already waiting (the backlog is oldest first).
            let now = Date(timeIntervalSince1970: (clock().timeIntervalSince1970 * 1_000).rounded(.down) / 1_000)
            return BatchPlan(envelopes, locked: locked, now: now, capacity: capacity, sagas: sagas, rules: rules)
        }.outcomes
    }

    /// Applies one command in a transaction of its own.
    public func apply(_ envelope: CommandEnvelope) async throws -> ApplyOutcome {
        try await apply(batch: [envelope])[0]
    }
}
