import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SopzAMQP
import SopzContract
import SopzDomain
import SopzOperations
import SopzPostgres
import SopzProcessing
import SopzRuntime

/// The dispatcher process: consumes commands from RabbitMQ and applies them to PostgreSQL.
@main
struct Dispatcher {
    static func main() async {
        await ProcessMain.run("sopz-dispatcher") {
            ConcurrencyExecutor.useEventLoops()
            let environment = ProcessInfo.processInfo.environment
            let settings = try SharedSettings(environment: environment)
            let options = try DispatcherOptions(environment: environment)
            let operations = try OperationsSettings(
                environment: environment, defaultPort: OperationsSettings.dispatcherPort)
            let logger = settings.logger("sopz.dispatcher")
            let group = try buildDispatcher(
                settings: settings, options: options, operations: operations, logger: logger)
            try await group.run()
        }
    }
}

/// Tuning of one dispatcher process.
struct DispatcherOptions: Sendable {
    /// `SOPZ_DISPATCHER_PREFETCH`: unacked deliveries RabbitMQ hands this process (default 512:
    /// enough to fill the next batch while the current one commits).
    var prefetch = 512
    /// `SOPZ_DISPATCHER_CONCURRENCY`: commands in progress at once (default 512, the prefetch):
    /// most of them wait for a batch, so this is not bounded by the pool size.
    var concurrency = 512
    /// `SOPZ_DISPATCHER_MAX_ATTEMPTS`: attempts before a command is dead-lettered (default 8).
    var maxAttempts = 8
    /// `SOPZ_DISPATCHER_MAX_BATCH`: commands applied in one transaction at most (default 256; 1
    /// applies each on its own).
    var maxBatch = 256
    /// `SOPZ_DISPATCHER_BATCH_LANES`: transactions with batches running side by side (default 1).
    /// Every batch takes the assignment lock (`PostgresCommandStore`), so batches run one after
    /// another whatever the lanes; a second lane only waits for the lock holding a batch that
    /// could have grown meanwhile. Measured on two cores with assignment on: one lane with batches
    /// of up to 256 spent 0.88 ms of CPU per applied command end to end and applied 2,075/s, four
    /// lanes of 64 spent 1.31 ms and applied 1,308/s. Keep it below the pool size so single
    /// applies and notifications still find a connection.
    var batchLanes = 1
    /// `SOPZ_ASSIGNMENT_CAPACITY`: tickets in hand the system gives one administrator at most
    /// (default 20); beyond it new tickets wait in the backlog.
    var assignmentCapacity = AssignmentPool.defaultCapacity
    /// `SOPZ_SAGA_STEP_TIMEOUT_SECONDS`: how long a saga waits for another system's reply to one
    /// request before the step counts as failed (default 60; a saga keeps the timeouts it started with).
    var sagaStepTimeout: Int?

    init() {}

    init(environment: [String: String]) throws {
        prefetch = try environment.integer("SOPZ_DISPATCHER_PREFETCH", default: prefetch, in: 1...1000)
        concurrency = try environment.integer("SOPZ_DISPATCHER_CONCURRENCY", default: concurrency, in: 1...1000)
        maxAttempts = try environment.integer("SOPZ_DISPATCHER_MAX_ATTEMPTS", default: maxAttempts, in: 1...100)
        maxBatch = try environment.integer("SOPZ_DISPATCHER_MAX_BATCH", default: maxBatch, in: 1...1000)
        batchLanes = try environment.integer("SOPZ_DISPATCHER_BATCH_LANES", default: batchLanes, in: 1...100)
        assignmentCapacity = try environment.integer(
            "SOPZ_ASSIGNMENT_CAPACITY", default: assignmentCapacity, in: 1...100_000)
        if environment["SOPZ_SAGA_STEP_TIMEOUT_SECONDS"] != nil {
            sagaStepTimeout = try environment.integer("SOPZ_SAGA_STEP_TIMEOUT_SECONDS", default: 60, in: 1...86_400)
        }
    }

    /// The sagas resolutions start, with the step timeout this dispatcher was given.
    var sagas: SagaCatalogue { sagaStepTimeout.map { SagaCatalogue(stepTimeout: TimeInterval($0)) } ?? .standard }
}

/// Composes the dispatcher: database pool, migrations, publisher (dead letters), consumer, the
/// batcher (group commit) over the command applier with the ticket rules, the consuming
/// service and, when `operations` says where, its operations endpoint (`/metrics`), in start
/// order (they stop in reverse).
func buildDispatcher(
    settings: SharedSettings, options: DispatcherOptions, operations: OperationsSettings? = nil,
    metrics: DispatcherMetrics = DispatcherMetrics(), logger: Logger
) throws -> ServiceGroup {
    let client = PostgresClient(configuration: settings.database.clientConfiguration(), backgroundLogger: logger)
    let publisher = AMQPPublisher(
        configuration: settings.amqp, logger: logger, reconnected: metrics.amqp.publisherReconnected)
    let consumer = AMQPConsumer(
        configuration: settings.amqp, queue: Topology.dispatcherQueue, prefetch: options.prefetch, logger: logger,
        reconnected: metrics.amqp.consumerReconnected)
    let notifications = CommitNotifications(client: client, logger: logger)
    // The point where a command becomes a decision: the ticket rules, applied to PostgreSQL.
    let applier = CommandApplier(
        store: PostgresCommandStore(client: client, logger: logger), rules: TicketRules.decide,
        capacity: options.assignmentCapacity, sagas: options.sagas)
    let batcher = CommandBatcher(
        applier: applier, maxBatch: options.maxBatch, lanes: options.batchLanes, batchApplied: metrics.batchApplied)
    var processor = CommandProcessor(apply: batcher.apply, notifications: notifications, logger: logger)
    processor.maxAttempts = options.maxAttempts
    processor.metrics = metrics
    let migrations = MigrationService(client: client, logger: logger)
    let service = DispatcherService(
        consumer: consumer, publisher: publisher, processor: processor, concurrency: options.concurrency,
        schemaReady: migrations.ready, logger: logger)
    let endpoint = try operations.flatMap {
        try OperationsEndpoint.service(
            registry: metrics.registry, settings: $0, ready: [migrations.ready], logger: logger)
    }
    // The batcher stops after the consuming service has drained (services stop in reverse).
    let services: [any Service] = [client, migrations, notifications, publisher, consumer, batcher, service]
    return ServiceGroup.sopz(services + [endpoint].compactMap { $0 }, logger: logger)
}
