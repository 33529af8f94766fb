import SopzDomain

/// Where commands are applied: storage that records, locks, loads and writes a batch in one
/// transaction (SQL in production: SopzPostgres's `PostgresCommandStore`).
public protocol CommandStore: Sendable {
    /// In one transaction: records the command ids of `envelopes` (a duplicate is one seen before)
    /// and locks and loads the state they address — their tickets, every administrator, and the
    /// oldest waiting tickets the batch could assign with `capacity` (`BacklogBound`); hands that
    /// to `plan`, which decides without I/O; writes the plan; commits. Any error rolls everything
    /// back and is thrown.
    func apply(
        _ envelopes: [CommandEnvelope], capacity: Int, planning plan: @Sendable (LockedState) -> BatchPlan
    ) async throws -> BatchPlan
}
