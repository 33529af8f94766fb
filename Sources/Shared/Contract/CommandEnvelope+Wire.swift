import Crypto
import Foundation
import SopzDomain

/// The command type registry: each command's name on the wire (also its AMQP routing key).
extension TicketCommand {
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

/// A command on the wire: `{"commandId", "issuedAt", "issuer", "ticketId", "type", "payload"}`;
/// `type` names the payload's shape (`TicketCommand.type`), and an unknown type does not decode.
extension CommandEnvelope: Codable {
    private enum CodingKeys: String, CodingKey {
        case commandId, issuedAt, issuer, ticketId, type, payload
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        let command: TicketCommand
        switch type {
        case "ticket.create":
            command = .create(try container.decode(NewTicket.self, forKey: .payload))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "unknown command type '\(type)'")
        }
        self.init(
            commandID: try container.decode(CommandID.self, forKey: .commandId),
            issuedAt: try container.decode(Date.self, forKey: .issuedAt),
            issuer: try container.decode(User.self, forKey: .issuer),
            ticketID: try container.decode(TicketID.self, forKey: .ticketId), command: command)
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
