import Foundation
import SopzContract
import SopzDomain

extension OutgoingMessage {
    /// A command as it travels: the envelope as JSON on `sopz.commands`, routed by its type,
    /// persistent and mandatory — whoever sends it (the ingress, the notifier).
    public static func command(_ envelope: CommandEnvelope) throws -> OutgoingMessage {
        let type = envelope.command.type
        return OutgoingMessage(
            exchange: Topology.commandsExchange, routingKey: type,
            body: Array(try JSONCoding.encoder().encode(envelope)), messageID: envelope.commandID.description,
            type: type, timestamp: envelope.issuedAt)
    }
}
