import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SopzAMQP
import SopzContract
import SopzOperations
import SopzPostgres
import SopzRuntime

/// The notifier process: tells the world what happened, from the outbox to `sopz.events` and
/// to the webhook subscriptions.
@main
struct Notifier {
    static func main() async {
        await ProcessMain.run("sopz-notifier") {
            ConcurrencyExecutor.useEventLoops()
            let environment = ProcessInfo.processInfo.environment
            let settings = try SharedSettings(environment: environment)
            let operations = try OperationsSettings(
                environment: environment, defaultPort: OperationsSettings.notifierPort)
            let webhooks = try WebhookSettings(environment: environment, devMode: settings.devMode)
            let logger = settings.logger("sopz.notifier")
            try await buildNotifier(settings: settings, webhooks: webhooks, operations: operations, logger: logger)
                .run()
        }
    }
}

/// Composes the notifier: pool, migrations, publisher, LISTEN, the relay, the sagas' clock, the webhook deliveries
/// (with `webhooks`) and, when `operations` says where, its operations endpoint (`/metrics`), in
/// start order.
func buildNotifier(
    settings: SharedSettings, webhooks: WebhookSettings? = nil, operations: OperationsSettings? = nil,
    metrics: RelayMetrics = RelayMetrics(), logger: Logger
) throws -> ServiceGroup {
    let client = PostgresClient(configuration: settings.database.clientConfiguration(), backgroundLogger: logger)
    let migrations = MigrationService(client: client, logger: logger)
    let publisher = AMQPPublisher(
        configuration: settings.amqp, logger: logger, reconnected: metrics.amqp.publisherReconnected)
    let listener = PostgresListener(
        configuration: settings.database, channel: TicketStore.outboxChannel, logger: logger)
    let relay = OutboxRelayService(
        outbox: OutboxStore(client: client, logger: logger), publisher: publisher, listener: listener,
        schemaReady: migrations.ready, metrics: metrics, logger: logger)
    let endpoint = try operations.flatMap {
        try OperationsEndpoint.service(
            registry: metrics.registry, settings: $0, ready: [migrations.ready], logger: logger)
    }
    let clock = SagaClock(
        sagas: SagaStore(client: client, logger: logger), commands: { try await publisher.publish(try .command($0)) },
        schemaReady: migrations.ready, logger: logger)
    var services: [any Service] = [client, migrations, publisher, listener, relay, clock]
    if let webhooks {
        let deliveries = WebhookDeliveryStore(client: client, logger: logger)
        services.append(WebhookLogRetention(deliveries: deliveries, schemaReady: migrations.ready, logger: logger))
        services.append(
            WebhookDeliveryService(
                deliveries: deliveries,
                sender: try WebhookSender(policy: webhooks.targets, caFile: settings.caFile),
                secrets: WebhookSecrets(key: webhooks.key),
                commands: { try await publisher.publish(try .command($0)) }, schemaReady: migrations.ready,
                metrics: WebhookMetrics(registry: metrics.registry), logger: logger))
    }
    return ServiceGroup.sopz(services + [endpoint].compactMap { $0 }, logger: logger)
}
