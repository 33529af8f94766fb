/// Who may see a ticket (docs/identity.md): administrators and managers see every ticket;
/// a client sees only the tickets they opened. Anyone else gets 404, not 403.
extension Ticket {
    public func isVisible(to user: User) -> Bool { Self.isVisible(ownedBy: ownerID, to: user) }

    /// The rule itself, for what belongs to a ticket (its events, its chat) by its owner's id.
    public static func isVisible(ownedBy ownerID: String, to user: User) -> Bool {
        user.seesEveryTicket || (user.has(.client) && ownerID == user.id)
    }
}

extension User {
    /// Staff: administrators and managers see every ticket; a client's lists hold their own.
    public var seesEveryTicket: Bool { has(.administrator) || has(.manager) }
}
