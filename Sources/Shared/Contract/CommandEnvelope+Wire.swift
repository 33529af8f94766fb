import Crypto
import Foundation
import SopzDomain

/// The command type registry: each command's name on the wire (also its AMQP routing key).
extension TicketCommand {
    public var type: String {
        switch self {
        case .create: "ticket.create"
        case .cancel: "ticket.cancel"
        case .changeStatus: "ticket.change_status"
        case .confirm: "ticket.confirm"
        case .reopen: "ticket.reopen"
        case .assign: "ticket.assign"
        case .postMessage: "ticket.post_message"
        case .setAvailability: "administrator.set_availability"
        case .registerAdministrator: "administrator.register"
        case .webhook(.register): "webhook.register"
        case .webhook(.rotateSecret): "webhook.rotate_secret"
        case .webhook(.disable): "webhook.disable"
        case .webhook(.enable): "webhook.enable"
        case .webhook(.delete): "webhook.delete"
        case .webhook(.replay): "webhook.replay"
        case .webhook(.receiverGone): "webhook.receiver_gone"
        case .saga(.reply): "saga.reply"
        case .saga(.tick): "saga.tick"
        }
    }

    /// Every command type, for the documents and their tests.
    public static let types = [
        "ticket.create", "ticket.cancel", "ticket.change_status", "ticket.confirm", "ticket.reopen", "ticket.assign",
        "ticket.post_message", "administrator.set_availability", "administrator.register", "webhook.register",
        "webhook.rotate_secret", "webhook.disable", "webhook.enable", "webhook.delete", "webhook.replay",
        "webhook.receiver_gone", "saga.reply", "saga.tick",
    ]

    /// The payload, for encoding (`registerAdministrator` has none).
    var payload: (any Encodable & Sendable)? {
        switch self {
        case .create(let payload): payload
        case .cancel(let payload): payload
        case .changeStatus(let payload): payload
        case .confirm(let payload): payload
        case .reopen(let payload): payload
        case .assign(let payload): payload
        case .postMessage(let payload): payload
        case .setAvailability(let payload): payload
        case .registerAdministrator: nil
        case .webhook(.register(let payload)): payload
        case .webhook(.rotateSecret(let id, let payload)): OnWebhook(webhookId: id, body: payload)
        case .webhook(.disable(let id, let payload)): OnWebhook(webhookId: id, body: payload)
        case .webhook(.enable(let id)), .webhook(.delete(let id)), .webhook(.receiverGone(let id)):
            OnWebhook(webhookId: id, body: Nothing())
        case .webhook(.replay(let id, let delivery)): OnWebhook(webhookId: id, deliveryId: delivery, body: Nothing())
        case .saga(.reply(let reply)): reply
        case .saga(.tick(let id)): SagaTick(sagaId: id)
        }
    }

    /// Decodes the payload of a command of `type`; nil for a type that does not exist.
    static func decode(
        _ type: String, from container: KeyedDecodingContainer<CommandEnvelope.WireKeys>
    ) throws -> TicketCommand? {
        func payload<T: Decodable>(_: T.Type) throws -> T { try container.decode(T.self, forKey: .payload) }
        func webhookID() throws -> WebhookID { try payload(OnWebhook<Nothing>.self).webhookId }
        switch type {
        case "ticket.create": return .create(try payload(NewTicket.self))
        case "ticket.cancel": return .cancel(try payload(Cancellation.self))
        case "ticket.change_status": return .changeStatus(try payload(StatusChange.self))
        case "ticket.confirm": return .confirm(try payload(Confirmation.self))
        case "ticket.reopen": return .reopen(try payload(Reopening.self))
        case "ticket.assign": return .assign(try payload(AssigneeChange.self))
        case "ticket.post_message": return .postMessage(try payload(NewMessage.self))
        case "administrator.set_availability": return .setAvailability(try payload(Availability.self))
        case "administrator.register": return .registerAdministrator
        case "webhook.register": return .webhook(.register(try payload(NewWebhook.self)))
        case "webhook.rotate_secret": return .webhook(.rotateSecret(try webhookID(), try payload(SecretRotation.self)))
        case "webhook.disable": return .webhook(.disable(try webhookID(), try payload(WebhookDisabling.self)))
        case "webhook.enable": return .webhook(.enable(try webhookID()))
        case "webhook.delete": return .webhook(.delete(try webhookID()))
        case "webhook.receiver_gone": return .webhook(.receiverGone(try webhookID()))
        case "webhook.replay":
            guard let delivery = try payload(OnWebhook<Nothing>.self).deliveryId else {
                throw DecodingError.dataCorruptedError(
                    forKey: .payload, in: container, debugDescription: "a replay names its delivery")
            }
            return .webhook(.replay(try webhookID(), delivery: delivery))
        case "saga.reply": return .saga(.reply(try payload(SagaReply.self)))
        case "saga.tick": return .saga(.tick(sagaID: try payload(SagaTick.self).sagaId))
        default: return nil
        }
    }

    /// What the command asks for, as SHA-256 hex of its type and canonical JSON (sorted keys):
    /// equal for equal commands however their requests were spelt. Recorded with the command,
    /// it tells a retried `Idempotency-Key` request from a different request reusing the key.
    public var fingerprint: String {
        var canonical = Array(type.utf8) + [0]
        if let payload { canonical += (try? JSONCoding.encoder().encode(payload)).map(Array.init) ?? [] }
        return Hex.string(SHA256.hash(data: canonical))
    }
}

/// A command on the wire: `{"commandId", "issuedAt", "issuer", "ticketId"?, "expectedVersion"?,
/// "type", "payload"?}`; `type` names the payload's shape (`TicketCommand.type`), and an unknown
/// type does not decode.
extension CommandEnvelope: Codable {
    enum WireKeys: String, CodingKey {
        case commandId, issuedAt, issuer, ticketId, expectedVersion, type, payload
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: WireKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        guard let command = try TicketCommand.decode(type, from: container) else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "unknown command type '\(type)'")
        }
        self.init(
            commandID: try container.decode(CommandID.self, forKey: .commandId),
            issuedAt: try container.decode(Date.self, forKey: .issuedAt),
            issuer: try container.decode(User.self, forKey: .issuer),
            ticketID: try container.decodeIfPresent(TicketID.self, forKey: .ticketId), command: command,
            expectedVersion: try container.decodeIfPresent(Int.self, forKey: .expectedVersion))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WireKeys.self)
        try container.encode(commandID, forKey: .commandId)
        try container.encode(issuedAt, forKey: .issuedAt)
        try container.encode(issuer, forKey: .issuer)
        try container.encodeIfPresent(ticketID, forKey: .ticketId)
        try container.encodeIfPresent(expectedVersion, forKey: .expectedVersion)
        try container.encode(command.type, forKey: .type)
        if let payload = command.payload { try container.encode(EncodablePayload(payload), forKey: .payload) }
    }
}

/// The payload of a command on a webhook subscription: `webhookId` beside the body's own fields.
/// (A replay's also carries the `deliveryId`.)
struct OnWebhook<Body: Encodable & Sendable>: Encodable, Sendable {
    let webhookId: WebhookID
    var deliveryId: Int64? = nil
    let body: Body

    private enum CodingKeys: String, CodingKey { case webhookId, deliveryId }

    func encode(to encoder: any Encoder) throws {
        try body.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(webhookId, forKey: .webhookId)
        try container.encodeIfPresent(deliveryId, forKey: .deliveryId)
    }
}

extension OnWebhook: Decodable where Body == Nothing {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        webhookId = try container.decode(WebhookID.self, forKey: .webhookId)
        deliveryId = try container.decodeIfPresent(Int64.self, forKey: .deliveryId)
        body = Nothing()
    }
}

/// A body with no fields.
struct Nothing: Codable, Sendable {}

/// An existential payload, encodable as itself.
struct EncodablePayload: Encodable {
    let wrapped: any Encodable

    init(_ wrapped: any Encodable) { self.wrapped = wrapped }

    func encode(to encoder: any Encoder) throws { try wrapped.encode(to: encoder) }
}
