/// Who may see a ticket (docs/identity.md): administrators and managers see every ticket;
/// a client sees only the tickets they opened. Anyone else gets 404, not 403.
extension Ticket {
    public func isVisible(to user: User) -> Bool {
        if user.has(.administrator) || user.has(.manager) { return true }
        return user.has(.client) && ownerID == user.id
    }
}
