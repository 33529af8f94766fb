import Foundation
import SopzAMQP
import SopzContract
import SopzDomain
import SopzPorts

/// Commands to RabbitMQ: the envelope as JSON on `sopz.commands`, routed by its type, persistent,
/// mandatory, and confirmed before `publish` returns.
struct BrokerCommandPublisher: CommandPublishing {
    let publisher: AMQPPublisher

    func publish(_ envelope: CommandEnvelope) async throws {
        let type = envelope.command.type
        try await publisher.publish(
            OutgoingMessage(
                exchange: Topology.commandsExchange, routingKey: type,
                body: Array(try JSONCoding.encoder().encode(envelope)), messageID: envelope.commandID.description,
                type: type, timestamp: envelope.issuedAt))
    }
}
