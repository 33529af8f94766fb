import Foundation

/// An id that wraps a UUID, so ids of different things cannot be swapped; on the wire it is the
/// lower-case UUID text.
public protocol UUIDIdentifier: Hashable, Sendable, Codable, CustomStringConvertible {
    var rawValue: UUID { get }
    init(_ rawValue: UUID)
}

extension UUIDIdentifier {
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        self.init(uuid)
    }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(UUID.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public var description: String { rawValue.uuidString.lowercased() }
}

/// Identifies a ticket.
public struct TicketID: UUIDIdentifier {
    public let rawValue: UUID

    public init(_ rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies one command; the dispatcher applies a command id at most once.
public struct CommandID: UUIDIdentifier {
    public let rawValue: UUID

    public init(_ rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a webhook subscription.
public struct WebhookID: UUIDIdentifier {
    public let rawValue: UUID

    public init(_ rawValue: UUID) { self.rawValue = rawValue }
}
