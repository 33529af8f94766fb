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

/// One page of a list (architecture §2): the items and the cursor for the next page, if any.
public struct Page<Item: Sendable & Encodable>: Sendable, Encodable {
    public let items: [Item]
    public let nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    private enum CodingKeys: String, CodingKey { case items, nextCursor }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)  // null, not absent, on the last page
    }
}
