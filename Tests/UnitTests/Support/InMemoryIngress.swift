import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import SopzContract
import SopzDomain
import SopzPorts
import SopzProcessing
import SopzRuntime
import SopzTestSupport

@testable import Ingress

/// The ingress router with every port in memory: the write model and the broker are stand-ins
/// (`SopzTestSupport`), and tokens come from a development issuer whose keys the verifier holds
/// — so the HTTP edge's own logic is tested without a server. With `dispatching`, every
/// published command is applied at once, as a dispatcher would, and announced to the waiter.
struct InMemoryIngress: Sendable {
    let issuer: DevIssuer
    let model: InMemoryWriteModel
    let publisher: RecordingPublisher
    let dependencies: IngressDependencies

    static let audience = "sopz-api"

    static func make(dispatching: Bool = true, environment extra: [String: String] = [:]) async throws -> Self {
        let issuer = try await DevIssuer(
            devMode: true, issuer: "https://issuer.invalid/realms/sopz", audience: audience, key: ES256PrivateKey())
        let model = InMemoryWriteModel()
        let applier = CommandApplier(store: model, rules: TicketRules.decide)
        let dispatch: @Sendable (CommandEnvelope) async throws -> Void = { _ = try await applier.apply($0) }
        let publisher = RecordingPublisher(deliver: dispatching ? dispatch : nil)
        let settings = try IngressSettings(
            environment: [
                "SOPZ_TLS_CERT": "/c", "SOPZ_TLS_KEY": "/k",
                "SOPZ_COMMAND_ID_SECRET": String(repeating: "01", count: 32),
                "SOPZ_WEBHOOK_KEY": String(repeating: "02", count: 32),
                "SOPZ_COMMAND_RATE_PER_MINUTE": "0",
            ].merging(extra) { $1 }, shared: try SharedSettings(environment: [:]))
        let logger = Logger(label: "test")
        let keys = try await IssuerKeySet(jwks: JSONEncoder().encode(issuer.publishedKeys))
        let mint = CommandIDMint(secret: settings.commandIDSecret)
        let progress = ProjectionProgress(notifications: AsyncStream { $0.finish() })
        let dependencies = IngressDependencies(
            commands: publisher, outcomes: model, tickets: model, readModel: model, webhooks: model, sagas: model,
            webhookSecrets: WebhookSecrets(key: settings.webhooks.key), webhookTargets: settings.webhooks.targets,
            progress: progress, live: LiveFeed(readModel: model, progress: progress, logger: logger),
            readiness: [
                FixedReadiness("broker"), FixedReadiness("database"), FixedReadiness("readDatabase", part: .reads),
            ],
            signIn: AdministratorSignIn(gateway: CommandGateway(publisher: publisher, mint: mint), logger: logger),
            waiter: CommandWaiter(notifications: model.notifications, outcomes: model), mint: mint,
            verifier: TokenVerifier(
                keySource: FixedKeySource(issuer: issuer.issuer, keySet: keys), audience: audience,
                clockSkew: settings.clockSkew),
            metrics: HTTPMetrics(),
            rateLimiter: settings.commandRatePerMinute == 0
                ? nil : RateLimiter(perMinute: settings.commandRatePerMinute, burst: settings.commandBurst),
            corsOrigins: settings.corsOrigins, maxBodyBytes: settings.maxBodyBytes,
            web: WebInterface(configuration: settings.web), logger: logger)
        return InMemoryIngress(issuer: issuer, model: model, publisher: publisher, dependencies: dependencies)
    }

    /// A token for the demo user `username`.
    func token(_ username: String) async throws -> String {
        guard let user = DemoUser.all.first(where: { $0.username == username }) else {
            throw TimedOut(description: "no demo user \(username)")
        }
        return try await issuer.token(for: user)
    }

    /// Sends requests to the router while the waiter listens for outcomes and the live feed
    /// follows the read model.
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let (waiter, live) = (dependencies.waiter, dependencies.live)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await waiter.run() }
            group.addTask { try await live.run() }
            try await Application(router: buildRouter(dependencies)).test(.router, body)
            group.cancelAll()
        }
    }
}

/// The issuer's keys, fixed.
struct FixedKeySource: SigningKeySource {
    let issuer: String
    let keySet: IssuerKeySet

    func keys() async throws -> IssuerKeySet { keySet }
    func refresh() async throws -> IssuerKeySet? { nil }
}
