/// Commands about the issuing administrator rather than a ticket: signing in (the help desk
/// learns of them) and saying whether they take new tickets. Either may free capacity, so the
/// backlog is offered to them straight after (`TicketRules.decide`).
enum AdministratorDecisions {
    /// `administrator.register`: known from now on — available, with nothing in hand — or, if
    /// known already, their name and last sign-in refreshed; availability is theirs to change.
    static func register(_ envelope: CommandEnvelope, in context: DecisionContext) -> TicketDecision {
        guard envelope.issuer.has(.administrator) else {
            return .reject(.init(.forbidden, "only administrators are assigned tickets"))
        }
        return .accept(.init(events: [], tickets: [], administrators: [seen(envelope.issuer, in: context)]))
    }

    /// `administrator.set_availability`: unavailable administrators get no new tickets; the ones
    /// they hold stay theirs until a manager moves them.
    static func setAvailability(
        _ availability: Availability, envelope: CommandEnvelope, in context: DecisionContext
    ) -> TicketDecision {
        guard envelope.issuer.has(.administrator) else {
            return .reject(.init(.forbidden, "only administrators have an availability"))
        }
        var member = seen(envelope.issuer, in: context)
        member.available = availability.available
        return .accept(.init(events: [], tickets: [], administrators: [member]))
    }

    /// The issuer as the pool knows them, seen now.
    private static func seen(_ user: User, in context: DecisionContext) -> AssignmentPool.Member {
        var member =
            context.pool.member(user.id)
            ?? .init(
                id: user.id, name: user.name, available: true, load: 0, lastAssignedAt: nil, lastSeenAt: context.now)
        member.name = user.name
        member.lastSeenAt = context.now
        return member
    }
}
