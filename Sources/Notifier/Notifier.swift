import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SopzAMQP
import SopzPostgres
import SopzRuntime

/// The notifier process: tells the world what happened, from the outbox to `sopz.events`.
@main
struct Notifier {
    static func main() async throws {
        ConcurrencyExecutor.useEventLoops()
        let settings = try SharedSettings(environment: ProcessInfo.processInfo.environment)
        let logger = settings.logger("sopz.notifier")
        try await buildNotifier(settings: settings, logger: logger).run()
    }
}

/// Composes the notifier: pool, migrations, publisher, LISTEN and the relay, in start order.
func buildNotifier(settings: SharedSettings, logger: Logger) -> ServiceGroup {
    let client = PostgresClient(configuration: settings.database.clientConfiguration(), backgroundLogger: logger)
    let migrations = MigrationService(client: client, logger: logger)
    let publisher = AMQPPublisher(configuration: settings.amqp, logger: logger)
    let listener = PostgresListener(
        configuration: settings.database, channel: TicketStore.outboxChannel, logger: logger)
    let relay = OutboxRelayService(
        outbox: OutboxStore(client: client, logger: logger), publisher: publisher, listener: listener,
        schemaReady: migrations.ready, logger: logger)
    return ServiceGroup.sopz([client, migrations, publisher, listener, relay], logger: logger)
}
