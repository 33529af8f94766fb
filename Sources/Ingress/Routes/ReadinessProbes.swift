import Logging
import PostgresNIO
import SopzAMQP
import SopzPorts
import SopzRuntime

/// RabbitMQ answers: the publisher is connected (commands can be accepted).
struct BrokerReadiness: ReadinessProbe {
    let publisher: AMQPPublisher
    var name: String { "broker" }

    func isReady() async -> Bool { publisher.isConnected }
}

/// PostgreSQL answers `SELECT 1` within two seconds (reads work).
struct DatabaseReadiness: ReadinessProbe {
    let client: PostgresClient
    let logger: Logger
    var name: String { "database" }

    func isReady() async -> Bool {
        (try? await withDeadline(.seconds(2)) { [client, logger] in
            try await client.query("SELECT 1", logger: logger)
            return true
        }) ?? false
    }
}
