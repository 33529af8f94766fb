import Crypto
import Foundation

/// A request to change a ticket, as it travels from the ingress through RabbitMQ to a dispatcher.
///
/// The ingress stamps who asked and when; the dispatcher decides. On the wire this is JSON:
/// `{"commandId", "issuedAt", "issuer", "ticketId", "type", "payload"}`.
public struct CommandEnvelope: Hashable, Sendable {
    public let commandID: CommandID
    public let issuedAt: Date
    public let issuer: User
    public let ticketID: TicketID
    public let command: TicketCommand

    public init(commandID: CommandID, issuedAt: Date, issuer: User, ticketID: TicketID, command: TicketCommand) {
        self.commandID = commandID
        self.issuedAt = issuedAt
        self.issuer = issuer
        self.ticketID = ticketID
        self.command = command
    }
}

/// What the issuer wants done to the ticket.
public enum TicketCommand: Hashable, Sendable {
    case create(NewTicket)

    /// The message type on the wire (also the AMQP routing key).
    public var type: String {
        switch self {
        case .create: "ticket.create"
        }
    }

    /// What the command asks for, as SHA-256 hex of its type and canonical JSON (sorted keys):
    /// equal for equal commands however their requests were spelt. Recorded with the command,
    /// it tells a retried `Idempotency-Key` request from a different request reusing the key.
    public var fingerprint: String {
        var canonical = Array(type.utf8) + [0]
        switch self {
        case .create(let newTicket): canonical += (try? JSONCoding.encoder().encode(newTicket)).map(Array.init) ?? []
        }
        return Hex.string(SHA256.hash(data: canonical))
    }
}

extension CommandEnvelope: Codable {
    private enum CodingKeys: String, CodingKey {
        case commandId, issuedAt, issuer, ticketId, type, payload
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        commandID = try container.decode(CommandID.self, forKey: .commandId)
        issuedAt = try container.decode(Date.self, forKey: .issuedAt)
        issuer = try container.decode(User.self, forKey: .issuer)
        ticketID = try container.decode(TicketID.self, forKey: .ticketId)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "ticket.create":
            command = .create(try container.decode(NewTicket.self, forKey: .payload))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "unknown command type '\(type)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(commandID, forKey: .commandId)
        try container.encode(issuedAt, forKey: .issuedAt)
        try container.encode(issuer, forKey: .issuer)
        try container.encode(ticketID, forKey: .ticketId)
        try container.encode(command.type, forKey: .type)
        switch command {
        case .create(let newTicket): try container.encode(newTicket, forKey: .payload)
        }
    }
}
