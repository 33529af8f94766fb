import SopzContract

extension Topology {
    /// Declares every exchange and queue, with their bindings; declaring what exists is harmless.
    static func declare(on connection: AMQPConnection) throws {
        for exchange in [commandsExchange, deadExchange, eventsExchange, integrationExchange] {
            try connection.declareExchange(exchange, type: "topic")
        }
        try connection.declareQuorumQueue(deadQueue, deadLetterExchange: nil, deliveryLimit: 0)
        try connection.bind(queue: deadQueue, exchange: deadExchange, routingKey: "#")
        try connection.declareQuorumQueue(
            dispatcherQueue, deadLetterExchange: deadExchange, deliveryLimit: deliveryLimit)
        try connection.bind(queue: dispatcherQueue, exchange: commandsExchange, routingKey: "#")
        // Other systems' replies to sagas come back as commands.
        try connection.bind(queue: dispatcherQueue, exchange: integrationExchange, routingKey: sagaReplyKey)
    }
}
