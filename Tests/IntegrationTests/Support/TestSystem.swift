import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdHTTP2
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import NIOFoundationCompat
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import SopzDomain
import SopzAMQP
import SopzPostgres
import SopzProcessing
import SopzRuntime
import SopzTestSupport
import Synchronization
import Testing

@testable import Dispatcher
@testable import Ingress
@testable import Notifier
@testable import Projector

/// The Sopz parts a test needs, wired to the real servers: the ingress router (driven without
/// sockets), a development issuer over real HTTPS, and — when asked — a dispatcher, a
/// notifier and a projector (which the reads need) running in this process.
struct TestSystem: Sendable {
    static let issuerPort = 18_444
    static let audience = "sopz-api"

    let settings: SharedSettings
    let database: PostgresClient
    let store: TicketStore
    let publisher: AMQPPublisher
    let administration: AMQPAdministration
    let issuer: DevIssuer
    /// The test issuer's signing key, for tests that forge tokens with it.
    let signingKey: ES256PrivateKey
    let dependencies: IngressDependencies

    /// Starts everything, runs `body`, shuts everything down gracefully.
    /// The ingress's webhook key; receivers on this host are allowed (the tests' are).
    static let webhooks = try! WebhookSettings(
        environment: [
            "SOPZ_WEBHOOK_KEY": String(repeating: "5b", count: 32), "SOPZ_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8,::1",
        ], devMode: false)

    static func run(
        dispatcher: Bool = true, dispatcherOptions: DispatcherOptions = DispatcherOptions(), notifier: Bool = false,
        projector: Bool = true, ingress extraSettings: [String: String] = [:],
        _ body: @escaping @Sendable (TestSystem) async throws -> Void
    ) async throws {
        let settings = try TestEnvironment.settings()
        let logger = TestEnvironment.logger("test")
        let issuerURL = "https://localhost:\(issuerPort)\(DevIssuer.realmPath)"
        let ingressSettings = try IngressSettings(
            environment: [
                "SOPZ_TLS_CERT": TestEnvironment.certificateFile, "SOPZ_TLS_KEY": TestEnvironment.keyFile,
                "SOPZ_OIDC_ISSUER": issuerURL, "SOPZ_OIDC_AUDIENCE": audience,
                "SOPZ_COMMAND_ID_SECRET": String(repeating: "2a", count: 32),
                "SOPZ_WEBHOOK_KEY": String(repeating: "5b", count: 32),
                "SOPZ_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8,::1",
                // Tests send many commands as one user; the rate limit has its own test.
                "SOPZ_COMMAND_RATE_PER_MINUTE": "0",
            ].merging(extraSettings) { $1 }, shared: settings)
        let core = IngressCore.make(shared: settings, settings: ingressSettings, logger: logger)
        let dependencies = core.dependencies
        let signingKey = ES256PrivateKey()
        let issuer = try await DevIssuer(devMode: true, issuer: issuerURL, audience: audience, key: signingKey)
        let issuerReady = Gate()
        let tls = try TLSPolicy.server(
            certificateFile: TestEnvironment.certificateFile, keyFile: TestEnvironment.keyFile)
        let issuerApp = Application(
            router: issuer.router(), server: try .http2Upgrade(tlsConfiguration: tls),
            configuration: .init(address: .hostname("127.0.0.1", port: issuerPort)),
            onServerRunning: { _ in issuerReady.open() }, logger: logger)
        var services = core.services + [issuerApp]
        if dispatcher {
            services.append(try buildDispatcher(settings: settings, options: dispatcherOptions, logger: logger))
        }
        if notifier {
            services.append(try buildNotifier(settings: settings, webhooks: Self.webhooks, logger: logger))
        }
        if projector {
            services.append(try buildProjector(settings: settings, logger: logger))
        }
        let system = TestSystem(
            settings: settings, database: core.database, store: core.store, publisher: core.publisher,
            administration: AMQPAdministration(configuration: settings.amqp), issuer: issuer,
            signingKey: signingKey, dependencies: dependencies)
        try await withServices(services, logger: logger) {
            try await eventually("the test issuer listens") { issuerReady.isOpen }
            try await eventually("the schema is migrated") { core.migrations.ready.isOpen }
            try await eventually("the publisher is connected") { core.publisher.isConnected }
            try await body(system)
        }
    }

    // MARK: Helpers for tests

    /// A token for the demo user `username`, valid for the issuer's lifetime or `expiresIn` seconds.
    func token(_ username: String, expiresIn seconds: Double? = nil) async throws -> String {
        let user = try #require(DemoUser.all.first { $0.username == username })
        let now = Date().addingTimeInterval(seconds.map { $0 - issuer.tokenLifetime } ?? 0)
        return try await issuer.token(for: user, now: now)
    }

    /// Sends requests to the ingress router (no sockets); returns what `test` returns.
    @discardableResult
    func http<Value: Sendable>(
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Value
    )
        async throws -> Value
    {
        try await Application(router: buildRouter(dependencies)).test(.router, test)
    }

    /// Applies commands to the test database as a dispatcher does, with `rules`.
    func applier(_ rules: @escaping BatchPlan.Rules = TicketRules.decide) -> CommandApplier {
        CommandApplier(
            store: PostgresCommandStore(client: database, logger: TestEnvironment.logger("apply")), rules: rules)
    }

    /// Runs the ingress router on a real HTTPS socket at `port` while `body` runs.
    func withLiveIngress(port: Int, _ body: @escaping @Sendable () async throws -> Void) async throws {
        let logger = TestEnvironment.logger("live")
        let listening = Gate()
        let tls = try TLSPolicy.server(
            certificateFile: TestEnvironment.certificateFile, keyFile: TestEnvironment.keyFile)
        let app = Application(
            router: buildRouter(dependencies), server: try .http2Upgrade(tlsConfiguration: tls),
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in listening.open() }, logger: logger)
        try await withServices([app, StreamCloser(feed: dependencies.live)], logger: logger) {
            try await eventually("the ingress listens") { listening.isOpen }
            try await body()
        }
    }

    func ticketCount(_ id: TicketID) async throws -> Int {
        try await count("SELECT count(*)::bigint FROM tickets WHERE id = \(id.rawValue)")
    }

    /// How many tickets the command created (its `created` events; assignment may add others).
    func eventCount(command id: CommandID) async throws -> Int {
        try await count("SELECT count(*)::bigint FROM events WHERE command_id = \(id.rawValue) AND type = 'created'")
    }

    func count(_ query: PostgresQuery) async throws -> Int {
        for try await value in try await database.query(query).decode(Int.self) { return value }
        return 0
    }
}

/// Runs `services` in the background while `body` runs, then shuts them down gracefully (and
/// fails the test if that takes more than 60 s).
/// If the services stop on their own first (one failed), the test fails with their error.
func withServices(
    _ services: [any Service], logger: Logger, _ body: @escaping @Sendable () async throws -> Void
) async throws {
    let group = ServiceGroup(
        configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
    try await withThrowingTaskGroup(of: Bool.self) { tasks in
        tasks.addTask {
            try await group.run()
            return false
        }
        tasks.addTask {
            try await body()
            return true
        }
        do {
            let bodyFinished = try await tasks.next() ?? false
            await group.triggerGracefulShutdown()
            if bodyFinished {
                // Stop as production does (SIGTERM: graceful, no cancellation), but not forever.
                tasks.addTask {
                    try? await Task.sleep(for: .seconds(60))
                    if Task.isCancelled { return true }
                    throw ShutdownTooSlow()
                }
                _ = try await tasks.next()  // the services stopped, or the watchdog gave up
            }
            tasks.cancelAll()
            try await tasks.waitForAll()
            if !bodyFinished { throw ServicesStopped() }
        } catch {
            await group.triggerGracefulShutdown()
            tasks.cancelAll()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

struct ShutdownTooSlow: Error, CustomStringConvertible {
    let description = "the services did not stop within 60 s of a graceful shutdown"
}

struct ServicesStopped: Error, CustomStringConvertible {
    let description = "the services stopped before the test finished"
}

extension TestClientProtocol {
    /// POST JSON with a bearer token.
    func post(
        _ uri: String, token: String?, json: String, headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        headers[.contentType] = "application/json"
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    func get(_ uri: String, token: String?) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .get, headers: headers, body: nil)
    }
}

extension TestResponse {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }

    var text: String { String(buffer: body) }
}

/// Consumes `queue` until a delivery matches, acking everything it reads; fails after `timeout`.
func firstDelivery(
    from queue: String, settings: SharedSettings, timeout: Duration = .seconds(20),
    matching predicate: @escaping @Sendable (Delivery) -> Bool
) async throws -> Delivery {
    let logger = TestEnvironment.logger("test.consumer")
    let consumer = AMQPConsumer(configuration: settings.amqp, queue: queue, prefetch: 50, logger: logger)
    let found = Locked<Delivery?>(nil)
    try await withServices([consumer], logger: logger) {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await delivery in consumer.deliveries {
                    consumer.ack(delivery)
                    if predicate(delivery) {
                        found.set(delivery)
                        return
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TimedOut(description: "no matching message arrived on \(queue)")
            }
            try await group.next()
            group.cancelAll()
        }
    }
    return try #require(found.value)
}
