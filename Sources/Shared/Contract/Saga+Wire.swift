import Foundation
import SopzDomain

/// A reply on the wire: `{"sagaId", "requestId", "outcome": "succeeded" | "failed", "reference"?,
/// "reason"?}` — the payload of the command `saga.reply`, and (with `ticketId`) what another system
/// publishes on `sopz.integration` with routing key `saga.reply`.
extension SagaReply: Codable {
    enum WireKeys: String, CodingKey { case sagaId, requestId, outcome, reference, reason }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: WireKeys.self)
        let outcome: Outcome
        switch try container.decode(String.self, forKey: .outcome) {
        case "succeeded":
            outcome = .succeeded(reference: try container.decodeIfPresent(String.self, forKey: .reference) ?? "")
        case "failed":
            outcome = .failed(reason: try container.decodeIfPresent(String.self, forKey: .reason) ?? "no reason given")
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .outcome, in: container, debugDescription: "outcome is succeeded or failed, not '\(other)'")
        }
        self.init(
            sagaID: try container.decode(UUID.self, forKey: .sagaId),
            requestID: try container.decode(UUID.self, forKey: .requestId), outcome: outcome)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WireKeys.self)
        try container.encode(sagaID.uuidString.lowercased(), forKey: .sagaId)
        try container.encode(requestID.uuidString.lowercased(), forKey: .requestId)
        switch outcome {
        case .succeeded(let reference):
            try container.encode("succeeded", forKey: .outcome)
            try container.encode(reference, forKey: .reference)
        case .failed(let reason):
            try container.encode("failed", forKey: .outcome)
            try container.encode(reason, forKey: .reason)
        }
    }
}

/// The payload of `saga.tick`: `{"sagaId"}`.
struct SagaTick: Codable, Sendable {
    let sagaId: UUID
}

/// A reply as another system publishes it (`ticketId` beside the reply's fields), and the command
/// it becomes.
public struct SagaReplyMessage: Decodable, Sendable {
    public let ticketID: TicketID
    public let reply: SagaReply

    private enum Keys: String, CodingKey { case ticketId }

    public init(from decoder: any Decoder) throws {
        ticketID = try decoder.container(keyedBy: Keys.self).decode(TicketID.self, forKey: .ticketId)
        reply = try SagaReply(from: decoder)
    }

    /// Who sends replies: other systems, holding no role — a reply can only answer a request it
    /// names, and only the saga that sent it is waiting for it.
    public static let issuer = User(id: "integration", name: "Integration", roles: [])

    /// The command: its id derives from the request and the answer, so a reply sent twice is one
    /// command (and a second, different answer to the same request is a late one, ignored).
    public func envelope(receivedAt now: Date) -> CommandEnvelope {
        let answer: String =
            switch reply.outcome {
            case .succeeded(let reference): "succeeded-\(reference)"
            case .failed(let reason): "failed-\(reason)"
            }
        return CommandEnvelope(
            commandID: CommandID(DerivedID.uuid(from: reply.requestID, label: "reply-\(answer)")), issuedAt: now,
            issuer: Self.issuer, ticketID: ticketID, command: .saga(.reply(reply)))
    }
}

/// A saga's request as it leaves on `sopz.integration` (the body; the CloudEvent attributes are the
/// outbox's): `{"requestId", "sagaId", "saga", "ticketId", "refund"?, "references", "replyTo"}`.
extension IntegrationRequest: Encodable {
    private enum Keys: String, CodingKey { case requestId, sagaId, saga, ticketId, refund, references, replyTo }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .requestId)
        try container.encode(sagaID.uuidString.lowercased(), forKey: .sagaId)
        try container.encode(saga, forKey: .saga)
        try container.encode(ticketID, forKey: .ticketId)
        try container.encodeIfPresent(refund, forKey: .refund)
        try container.encode(references, forKey: .references)
        try container.encode(
            ["exchange": Topology.integrationExchange, "routingKey": Topology.sagaReplyKey], forKey: .replyTo)
    }

    /// Its CloudEvent type: `sopz.<routing key>.v1` (`sopz.billing.refund.request.v1`).
    public var cloudEventType: String { "sopz.\(routingKey).v1" }
}
