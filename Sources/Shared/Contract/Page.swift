import Foundation
import SopzDomain

/// One page of a list (docs/api.md): the items and the cursor for the next page, if any.
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

extension Page {
    /// The first `limit` of `found` — asked for one more than a page, to know whether a next page
    /// exists — with the cursor after the last of them, made of its `keys`.
    public static func first(_ limit: Int, of found: [Item], keys: (Item) -> [String]) -> Page {
        let items = Array(found.prefix(limit))
        let next = found.count > limit ? items.last.map { ListCursor(keys: keys($0)).text } : nil
        return Page(items: items, nextCursor: next)
    }
}

extension WebhookSubscription {
    /// Its place in the list of subscriptions, as a cursor's keys: oldest first.
    public var listKeys: [String] { [JSONCoding.timestamp(createdAt), id.description] }
}
