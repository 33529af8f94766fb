/// The three kinds of people the help desk knows (docs/identity.md).
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    case client
    case administrator
    case manager

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A signed-in person as the identity provider describes them: `sub`, display name and roles.
public struct User: Hashable, Sendable, Codable {
    /// The identity provider's `sub` claim.
    public let id: String
    /// `name`, else `preferred_username`, else the id.
    public let name: String
    public let roles: Set<Role>

    public init(id: String, name: String, roles: Set<Role>) {
        self.id = id
        self.name = name
        self.roles = roles
    }

    public func has(_ role: Role) -> Bool { roles.contains(role) }

    private enum CodingKeys: String, CodingKey { case id, name, roles }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        roles = Set(try container.decode([Role].self, forKey: .roles))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(roles.sorted(), forKey: .roles)
    }
}
