import Foundation

/// A member of staff who works tickets, as the help desk knows them: they become known on
/// their first signed-in request, so assignment has a pool to choose from.
public struct Administrator: Hashable, Sendable, Codable {
    /// The identity provider's `sub`.
    public let id: String
    public let name: String
    /// Unavailable administrators get no new tickets.
    public let available: Bool
    /// Tickets assigned to them and not yet resolved, closed or cancelled.
    public let load: Int
    public let firstSeenAt: Date
    public let lastSeenAt: Date

    public init(id: String, name: String, available: Bool, load: Int, firstSeenAt: Date, lastSeenAt: Date) {
        self.id = id
        self.name = name
        self.available = available
        self.load = load
        self.firstSeenAt = firstSeenAt
        self.lastSeenAt = lastSeenAt
    }
}
