import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdHTTP2
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import SopzAMQP
import SopzContract
import SopzOperations
import SopzPorts
import SopzPostgres
import SopzRuntime

/// The ingress process: HTTPS API in front of RabbitMQ (commands) and PostgreSQL (reads).
@main
struct Ingress {
    static func main() async {
        await ProcessMain.run("sopz-ingress") {
            ConcurrencyExecutor.useEventLoops()
            let environment = ProcessInfo.processInfo.environment
            let shared = try SharedSettings(environment: environment)
            let settings = try IngressSettings(environment: environment, shared: shared)
            let logger = shared.logger("sopz.ingress")
            try await buildIngress(shared: shared, settings: settings, logger: logger).run()
        }
    }
}

/// Everything the HTTP routes need, built once per process (or per test). The I/O is behind the
/// protocols of SopzPorts: RabbitMQ and PostgreSQL in production (`IngressCore`), in-memory
/// stand-ins in the HTTP edge's fast tests.
struct IngressDependencies: Sendable {
    let commands: any CommandPublishing
    let outcomes: any CommandOutcomeReading
    /// The write model, where commands look at their ticket before they are sent.
    let tickets: any TicketReading
    /// The read model, where every query is answered.
    let readModel: any ReadModelReading
    /// The webhook subscriptions, in the write model.
    let webhooks: any WebhookReading
    /// The sagas tickets run, in the write model.
    let sagas: any SagaReading
    let webhookSecrets: WebhookSecrets
    let webhookTargets: WebhookTargetPolicy
    let progress: ProjectionProgress
    let live: LiveFeed
    let readiness: [any ReadinessProbe]
    let signIn: AdministratorSignIn
    let waiter: CommandWaiter
    let mint: CommandIDMint
    let verifier: TokenVerifier
    let metrics: HTTPMetrics
    /// Nil when `SOPZ_COMMAND_RATE_PER_MINUTE` is 0.
    let rateLimiter: RateLimiter?
    let corsOrigins: Set<String>
    let maxBodyBytes: Int
    /// The web interface served at `/`.
    let web: WebInterface
    let logger: Logger
}

/// The router: operations endpoints in the open, `/api/v1` behind bearer authentication, the
/// access matrix and the per-user command rate limit; every answer timed, every failure a
/// problem document. HEAD is answered wherever GET is.
func buildRouter(_ dependencies: IngressDependencies) -> Router<SopzRequestContext> {
    let router = Router(context: SopzRequestContext.self, options: .autoGenerateHeadEndpoints)
    let routes = RecordedRoutes()
    router.add(middleware: MetricsMiddleware(metrics: dependencies.metrics))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ProblemMiddleware(logger: dependencies.logger, routes: routes))
    router.add(middleware: CORSMiddleware(allowedOrigins: dependencies.corsOrigins))
    router.add(middleware: BodyLimitMiddleware(maxBodyBytes: dependencies.maxBodyBytes))
    OperationsRoutes(readiness: dependencies.readiness, metrics: dependencies.metrics).register(on: router)
    dependencies.web.register(on: router)
    let api = router.group("api/v1").add(
        middleware: AuthenticationMiddleware(verifier: dependencies.verifier, signIn: dependencies.signIn))
    if let limiter = dependencies.rateLimiter { api.add(middleware: RateLimitMiddleware(limiter: limiter)) }
    let gateway = CommandGateway(publisher: dependencies.commands, mint: dependencies.mint)
    let outcomes = CommandOutcomes(
        waiter: dependencies.waiter, outcomes: dependencies.outcomes, mint: dependencies.mint)
    TicketRoutes(gateway: gateway, outcomes: outcomes).register(on: api)
    TicketQueryRoutes(
        reads: ReadYourWrites(
            readModel: dependencies.readModel, progress: dependencies.progress, writeModel: dependencies.tickets)
    ).register(on: api)
    LiveRoutes(feed: dependencies.live, readModel: dependencies.readModel).register(on: api)
    TicketCommandRoutes(gateway: gateway, outcomes: outcomes, tickets: dependencies.tickets).register(on: api)
    outcomes.register(on: api)
    AdministratorRoutes(readModel: dependencies.readModel).register(on: api)
    StatisticsRoutes(readModel: dependencies.readModel).register(on: api)
    ExportRoutes(readModel: dependencies.readModel).register(on: api)
    WebhookRoutes(
        gateway: gateway, outcomes: outcomes, webhooks: dependencies.webhooks, secrets: dependencies.webhookSecrets,
        targets: dependencies.webhookTargets
    ).register(on: api)
    SagaRoutes(sagas: dependencies.sagas).register(on: api)
    routes.record(RouteMethods(router.routes.map { ($0.method, $0.path.description) }))
    return router
}

/// Sets the per-request body limit from configuration.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = SopzRequestContext
    let maxBodyBytes: Int

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.maxUploadSize = maxBodyBytes
        return try await next(request, context)
    }
}

/// The ingress's long-running parts and what its routes need, wired once — by `buildIngress`
/// and by the tests, so both run the same composition.
struct IngressCore {
    let dependencies: IngressDependencies
    /// The adapters behind the dependencies' protocols.
    let database: PostgresClient
    let publisher: AMQPPublisher
    let store: TicketStore
    let migrations: MigrationService
    /// In start order: database pools, migrations, publisher, LISTENs, waiters, sign-in
    /// recorder, HTTP client.
    let services: [any Service]

    static func make(shared: SharedSettings, settings: IngressSettings, logger: Logger) -> IngressCore {
        let database = PostgresClient(configuration: shared.database.clientConfiguration(), backgroundLogger: logger)
        let readDatabase = PostgresClient(
            configuration: shared.readDatabase.clientConfiguration(), backgroundLogger: logger)
        let projected = PostgresListener(
            configuration: shared.readDatabase, channel: ReadModelStore.projectedChannel, logger: logger)
        let progress = ProjectionProgress(notifications: projected.notifications)
        let readModel = ReadModelStore(client: readDatabase, logger: logger)
        let live = LiveFeed(readModel: readModel, progress: progress, logger: logger)
        let migrations = MigrationService(client: database, logger: logger)
        let metrics = HTTPMetrics()
        let publisher = AMQPPublisher(
            configuration: shared.amqp, logger: logger,
            reconnected: AMQPMetrics(registry: metrics.registry).publisherReconnected)
        let store = TicketStore(client: database, logger: logger)
        let listener = PostgresListener(
            configuration: shared.database, channel: TicketStore.commandsChannel, logger: logger)
        let waiter = CommandWaiter(notifications: listener.notifications, outcomes: store)
        let httpClient = HTTPClientService(caFile: shared.caFile)
        let keySource = OIDCKeySource(
            issuer: settings.issuer, httpClient: httpClient.client, logger: logger,
            minimumRefreshInterval: settings.keyRefreshInterval)
        let commands = BrokerCommandPublisher(publisher: publisher)
        let mint = CommandIDMint(secret: settings.commandIDSecret)
        let signIn = AdministratorSignIn(gateway: CommandGateway(publisher: commands, mint: mint), logger: logger)
        let dependencies = IngressDependencies(
            commands: commands, outcomes: store, tickets: store,
            readModel: readModel, webhooks: WebhookStore(client: database, logger: logger),
            sagas: SagaStore(client: database, logger: logger),
            webhookSecrets: WebhookSecrets(key: settings.webhooks.key), webhookTargets: settings.webhooks.targets,
            progress: progress, live: live,
            readiness: [
                BrokerReadiness(publisher: publisher),
                DatabaseReadiness(name: "database", part: .commands, client: database, logger: logger),
                DatabaseReadiness(name: "readDatabase", part: .reads, client: readDatabase, logger: logger),
            ], signIn: signIn, waiter: waiter, mint: mint,
            verifier: TokenVerifier(
                keySource: keySource, audience: settings.audience, clockSkew: settings.clockSkew,
                acceptsAuthorizedParty: settings.acceptsAuthorizedParty),
            metrics: metrics,
            rateLimiter: settings.commandRatePerMinute == 0
                ? nil : RateLimiter(perMinute: settings.commandRatePerMinute, burst: settings.commandBurst),
            corsOrigins: settings.corsOrigins, maxBodyBytes: settings.maxBodyBytes,
            web: WebInterface(configuration: settings.web), logger: logger)
        return IngressCore(
            dependencies: dependencies, database: database, publisher: publisher, store: store,
            migrations: migrations,
            services: [
                database, readDatabase, migrations, publisher, listener, waiter, projected, progress, live, signIn,
                httpClient,
            ])
    }
}

/// Composes the ingress process in start order (they stop in reverse).
func buildIngress(shared: SharedSettings, settings: IngressSettings, logger: Logger) async throws -> ServiceGroup {
    let core = IngressCore.make(shared: shared, settings: settings, logger: logger)
    let tls = try TLSPolicy.server(certificateFile: settings.certificateFile, keyFile: settings.keyFile)
    var services = core.services
    if shared.devMode {
        var issuer = try await DevIssuer(
            devMode: shared.devMode, issuer: "https://localhost:\(settings.devIssuerPort)\(DevIssuer.realmPath)",
            audience: settings.audience, keyFile: settings.devIssuerKeyFile)
        issuer.apiURL = "https://localhost:\(settings.port)"
        issuer.webClientID = settings.webClientID
        services.append(
            Application(
                router: issuer.router(), server: try .http2Upgrade(tlsConfiguration: tls),
                configuration: .init(address: .hostname(settings.devIssuerHost, port: settings.devIssuerPort)),
                logger: logger))
        if settings.issuer == issuer.issuer {
            logger.warning(
                "DEV MODE: trusting the built-in development issuer with demo users; never use this in production",
                metadata: ["issuer": "\(issuer.issuer)", "sign-in": "\(issuer.issuer)/login"])
        }
    }
    services.append(
        Application(
            router: buildRouter(core.dependencies), server: try .http2Upgrade(tlsConfiguration: tls),
            configuration: .init(address: .hostname(settings.host, port: settings.port), backlog: settings.backlog),
            onServerRunning: { _ in
                logger.info("Sopz ingress listening", metadata: ["url": "https://\(settings.host):\(settings.port)"])
            },
            logger: logger))
    services.append(StreamCloser(feed: core.dependencies.live))
    return ServiceGroup.sopz(services, logger: logger)
}

/// An HTTP client (for the identity provider) that trusts `SOPZ_TLS_CA` and is shut down
/// cleanly with the process.
final class HTTPClientService: Service, Sendable {
    let client: HTTPClient

    init(caFile: String?) {
        var tls = TLSPolicy.applied(to: .makeClientConfiguration())
        if let caFile { tls.additionalTrustRoots = [.file(caFile)] }
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
