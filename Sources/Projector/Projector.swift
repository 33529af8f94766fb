import Foundation
import Logging
import PostgresNIO
import Prometheus
import ServiceLifecycle
import SopzOperations
import SopzPostgres
import SopzRuntime

/// The projector process: builds the read model from the event store, on its own so it scales
/// (and fails) apart from the writes. Several replicas may run; they take turns (see
/// `PostgresProjectionStore`).
///
/// `sopz-projector rebuild` instead rebuilds the whole read model from its event archive into
/// fresh tables while the live ones keep serving, switches over and exits (`ProjectionRebuild`).
@main
struct Projector {
    static func main() async {
        await ProcessMain.run("sopz-projector") {
            ConcurrencyExecutor.useEventLoops()
            let environment = ProcessInfo.processInfo.environment
            let settings = try SharedSettings(environment: environment)
            let logger = settings.logger("sopz.projector")
            switch CommandLine.arguments.dropFirst().first {
            case nil:
                let operations = try OperationsSettings(
                    environment: environment, defaultPort: OperationsSettings.projectorPort)
                // SOPZ_RETENTION_HOURS: how long closed and cancelled tickets stay in the write database.
                let hours = try environment.integer("SOPZ_RETENTION_HOURS", default: 168, in: 0...876_000)
                try await buildProjector(
                    settings: settings, keep: hours == 0 ? nil : .seconds(hours * 3_600), operations: operations,
                    logger: logger
                ).run()
            case "rebuild": try await rebuild(settings: settings, logger: logger)
            case let other?:
                logger.critical("unknown command \(other); run sopz-projector alone, or sopz-projector rebuild")
                exit(64)  // EX_USAGE
            }
        }
    }
}

/// Rebuilds the read model once from its archive (migrated first, as a projector does), then
/// returns.
func rebuild(settings: SharedSettings, logger: Logger) async throws {
    let readModel = PostgresClient(
        configuration: settings.readDatabase.clientConfiguration(), backgroundLogger: logger)
    let fresh = PostgresClient(
        configuration: ProjectionRebuild.freshConfiguration(settings.readDatabase), backgroundLogger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        for client in [readModel, fresh] { group.addTask { await client.run() } }
        try await Migrations.migrate(readModel, schema: Migrations.readModel, logger: logger)
        let events = try await ProjectionRebuild(readModel: readModel, fresh: fresh, logger: logger).run()
        logger.info("read model rebuilt from its event archive", metadata: ["events": "\(events)"])
        group.cancelAll()
    }
}
/// Composes the projector: both databases' pools and migrations, LISTEN on the write database,
/// the projection, retention when `keep` says how long final tickets stay in the write database,
/// and, when `operations` says where, its operations endpoint (`/metrics`), in start order.
func buildProjector(
    settings: SharedSettings, keep: Duration? = nil, operations: OperationsSettings? = nil, logger: Logger
) throws -> ServiceGroup {
    let eventStore = PostgresClient(configuration: settings.database.clientConfiguration(), backgroundLogger: logger)
    let readModel = PostgresClient(
        configuration: settings.readDatabase.clientConfiguration(), backgroundLogger: logger)
    let writeSchema = MigrationService(client: eventStore, logger: logger)
    let readSchema = MigrationService(client: readModel, schema: Migrations.readModel, logger: logger)
    let listener = PostgresListener(
        configuration: settings.database, channel: TicketStore.outboxChannel, logger: logger)
    let metrics = ProjectionMetrics(registry: PrometheusCollectorRegistry())
    let projection = ProjectionService(
        store: PostgresProjectionStore(eventStore: eventStore, readModel: readModel, logger: logger),
        wakeUps: listener.notifications, schemasReady: [writeSchema.ready, readSchema.ready], metrics: metrics,
        logger: logger)
    let endpoint = try operations.flatMap {
        try OperationsEndpoint.service(
            registry: metrics.registry, settings: $0, ready: [writeSchema.ready, readSchema.ready], logger: logger)
    }
    let retention = keep.map {
        RetentionService(
            retention: WriteRetention(eventStore: eventStore, readModel: readModel, logger: logger), keep: $0,
            schemasReady: [writeSchema.ready, readSchema.ready], logger: logger)
    }
    let optional: [(any Service)?] = [retention, endpoint]
    return ServiceGroup.sopz(
        [eventStore, readModel, writeSchema, readSchema, listener, projection] + optional.compactMap { $0 },
        logger: logger)
}
