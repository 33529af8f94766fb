import SopzAMQP
import SopzDomain
import SopzPorts

/// Commands to RabbitMQ (`OutgoingMessage.command`), confirmed before `publish` returns.
struct BrokerCommandPublisher: CommandPublishing {
    let publisher: AMQPPublisher

    func publish(_ envelope: CommandEnvelope) async throws {
        try await publisher.publish(try .command(envelope))
    }
}
