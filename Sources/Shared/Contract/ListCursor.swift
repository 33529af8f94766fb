import Foundation

/// A position in a list served page by page (keyset pagination): the sort key of the last
/// item served. Clients see it as an opaque string and hand it back as `?cursor=`.
public struct ListCursor: Hashable, Sendable {
    public let keys: [String]

    public init(keys: [String]) { self.keys = keys }

    /// Base64url of a JSON array, without padding.
    public var text: String {
        ((try? JSONEncoder().encode(keys)) ?? Data("[]".utf8)).base64URLEncodedString
    }

    /// Nil unless `text` is a cursor with exactly `keyCount` keys.
    public init?(text: String, keyCount: Int) {
        guard text.count <= 1_024 else { return nil }
        guard let data = Data(base64URLEncoded: text), let keys = try? JSONDecoder().decode([String].self, from: data),
            keys.count == keyCount
        else { return nil }
        self.keys = keys
    }
}
