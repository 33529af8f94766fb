import Logging
import PostgresNIO
import SopzAMQP
import SopzPorts
import SopzRuntime

/// RabbitMQ answers: the publisher is connected (commands can be accepted).
struct BrokerReadiness: ReadinessProbe {
    let publisher: AMQPPublisher
    var name: String { "broker" }
    var part: ServedPart { .commands }

    func isReady() async -> Bool { publisher.isConnected }
}

/// A PostgreSQL answers `SELECT 1` within two seconds: the write database (commands are looked
/// at and waited for) or the read database (queries work).
struct DatabaseReadiness: ReadinessProbe {
    let name: String
    let part: ServedPart
    let client: PostgresClient
    let logger: Logger

    func isReady() async -> Bool {
        (try? await withDeadline(.seconds(2)) { [client, logger] in
            try await client.query("SELECT 1", logger: logger)
            return true
        }) ?? false
    }
}
