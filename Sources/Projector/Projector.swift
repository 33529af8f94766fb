import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SopzPostgres
import SopzRuntime

/// The projector process: builds the read model from the event store, on its own so it scales
/// (and fails) apart from the writes. Several replicas may run; they take turns (see
/// `PostgresProjectionStore`).
@main
struct Projector {
    static func main() async throws {
        ConcurrencyExecutor.useEventLoops()
        let settings = try SharedSettings(environment: ProcessInfo.processInfo.environment)
        let logger = settings.logger("sopz.projector")
        try await buildProjector(settings: settings, logger: logger).run()
    }
}

/// Composes the projector: both databases' pools and migrations, LISTEN on the write database
/// and the projection, in start order.
func buildProjector(settings: SharedSettings, logger: Logger) -> ServiceGroup {
    let eventStore = PostgresClient(configuration: settings.database.clientConfiguration(), backgroundLogger: logger)
    let readModel = PostgresClient(
        configuration: settings.readDatabase.clientConfiguration(), backgroundLogger: logger)
    let writeSchema = MigrationService(client: eventStore, logger: logger)
    let readSchema = MigrationService(client: readModel, schema: Migrations.readModel, logger: logger)
    let listener = PostgresListener(
        configuration: settings.database, channel: TicketStore.outboxChannel, logger: logger)
    let projection = ProjectionService(
        store: PostgresProjectionStore(eventStore: eventStore, readModel: readModel, logger: logger),
        wakeUps: listener.notifications, schemasReady: [writeSchema.ready, readSchema.ready], logger: logger)
    return ServiceGroup.sopz(
        [eventStore, readModel, writeSchema, readSchema, listener, projection], logger: logger)
}
