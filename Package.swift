// swift-tools-version:6.1
import PackageDescription

/// Settings every Sopz module shares: Swift 6 language mode (strict concurrency) plus the
/// upcoming features the server ecosystem has settled on. With MemberImportVisibility a file
/// sees only what it imports, so each target's dependencies below are exactly its imports and
/// the module graph (docs/architecture.md) is the compiler's to enforce.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

extension Target.Dependency {
    static let crypto = Self.product(name: "Crypto", package: "swift-crypto")
    static let logging = Self.product(name: "Logging", package: "swift-log")
    static let nioCore = Self.product(name: "NIOCore", package: "swift-nio")
    static let nioPosix = Self.product(name: "NIOPosix", package: "swift-nio")
    static let nioSSL = Self.product(name: "NIOSSL", package: "swift-nio-ssl")
    static let postgresNIO = Self.product(name: "PostgresNIO", package: "postgres-nio")
    static let serviceLifecycle = Self.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
    static let hummingbird = Self.product(name: "Hummingbird", package: "hummingbird")
    static let jwtKit = Self.product(name: "JWTKit", package: "jwt-kit")
    static let asyncHTTPClient = Self.product(name: "AsyncHTTPClient", package: "async-http-client")
    static let httpTypes = Self.product(name: "HTTPTypes", package: "swift-http-types")
}

/// The web interface's files (Sources/Ingress/Resources/web), compiled into the ingress.
let webInterface = [
    "index.html", "app.css", "app.js", "api.js", "auth.js", "dom.js", "i18n.js", "live.js", "parts.js", "tickets.js",
    "ticket.js", "team.js", "cache.js", "stats.js",
    "icon.svg",
]

let package = Package(
    name: "Sopz",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sopz-ingress", targets: ["Ingress"]),
        .executable(name: "sopz-dispatcher", targets: ["Dispatcher"]),
        .executable(name: "sopz-notifier", targets: ["Notifier"]),
        .executable(name: "sopz-projector", targets: ["Projector"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // rabbitmq-c (Debian's librabbitmq-dev) seen from Swift.
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Sources/Shared/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        // The help desk as plain values and pure decisions: no I/O, no wire format.
        .target(
            name: "SopzDomain",
            dependencies: [.crypto],
            path: "Sources/Shared/Domain",
            swiftSettings: swiftSettings
        ),
        // What other systems rely on: the JSON dialect, command and event names, AMQP names, ids.
        .target(
            name: "SopzContract",
            dependencies: ["SopzDomain", .crypto],
            path: "Sources/Shared/Contract",
            swiftSettings: swiftSettings
        ),
        // The ingress's seams: what it needs from the broker and the databases, as protocols.
        .target(
            name: "SopzPorts",
            dependencies: ["SopzDomain", "SopzContract"],
            path: "Sources/Shared/Ports",
            swiftSettings: swiftSettings
        ),
        // Applying commands: a batch judged by the domain's decisions, written by a store.
        .target(
            name: "SopzProcessing",
            dependencies: ["SopzDomain"],
            path: "Sources/Shared/Processing",
            swiftSettings: swiftSettings
        ),
        // What every process runs on: settings, TLS policy, retry and concurrency helpers.
        .target(
            name: "SopzRuntime",
            dependencies: [
                .logging, .nioCore, .nioPosix, .nioSSL, .serviceLifecycle,
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Shared/Runtime",
            swiftSettings: swiftSettings
        ),
        // RabbitMQ through rabbitmq-c: publishers with confirms, consumers, the topology.
        .target(
            name: "SopzAMQP",
            dependencies: ["CRabbitMQ", "SopzDomain", "SopzContract", "SopzRuntime", .logging, .serviceLifecycle],
            path: "Sources/Shared/AMQP",
            swiftSettings: swiftSettings
        ),
        // PostgreSQL: the write model, the command log, the event store, the outbox, migrations,
        // and the read model the projector builds.
        .target(
            name: "SopzPostgres",
            dependencies: [
                "SopzDomain", "SopzContract", "SopzPorts", "SopzProcessing", "SopzRuntime", .logging, .nioPosix,
                .nioSSL, .postgresNIO, .serviceLifecycle,
            ],
            path: "Sources/Shared/Postgres",
            swiftSettings: swiftSettings
        ),
        // What a consumer process shows operators: its metrics and liveness over HTTPS.
        .target(
            name: "SopzOperations",
            dependencies: [
                "SopzRuntime", .hummingbird, .logging, .nioCore, .serviceLifecycle,
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Shared/Operations",
            swiftSettings: swiftSettings
        ),
        // In-memory stand-ins for the ports and the command store, shared builders, `eventually`.
        .target(
            name: "SopzTestSupport",
            dependencies: ["SopzDomain", "SopzContract", "SopzPorts", "SopzProcessing"],
            path: "Sources/Shared/TestSupport",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Ingress",
            dependencies: [
                "SopzDomain", "SopzContract", "SopzPorts", "SopzRuntime", "SopzAMQP", "SopzPostgres", "SopzOperations",
                .hummingbird, .httpTypes,
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .jwtKit, .asyncHTTPClient, .crypto, .logging, .nioCore, .nioSSL, .postgresNIO, .serviceLifecycle,
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Ingress",
            resources: [.embedInCode("Resources/openapi.json")]
                + webInterface.map { .embedInCode("Resources/web/\($0)") },
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Dispatcher",
            dependencies: [
                "SopzDomain", "SopzContract", "SopzProcessing", "SopzRuntime", "SopzAMQP", "SopzPostgres",
                "SopzOperations", .logging, .postgresNIO, .serviceLifecycle,
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Dispatcher",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Notifier",
            dependencies: [
                "SopzDomain", "SopzContract", "SopzRuntime", "SopzAMQP", "SopzPostgres", "SopzOperations", .logging,
                .nioCore, .nioPosix, .nioSSL, .postgresNIO, .serviceLifecycle,
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Notifier",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Projector",
            dependencies: [
                "SopzRuntime", "SopzPostgres", "SopzOperations", .logging, .postgresNIO, .serviceLifecycle,
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Projector",
            swiftSettings: swiftSettings
        ),
        // Pure tests: no broker, no database.
        .testTarget(
            name: "DomainTests",
            dependencies: ["SopzDomain", "SopzContract"],
            path: "Tests/DomainTests",
            swiftSettings: swiftSettings
        ),
        // Pure tests of the adapters and executables: no broker, no database.
        .testTarget(
            name: "UnitTests",
            dependencies: [
                "SopzDomain", "SopzContract", "SopzPorts", "SopzProcessing", "SopzRuntime", "SopzAMQP", "SopzPostgres",
                "SopzOperations", "SopzTestSupport", "Ingress", "Dispatcher", "Notifier", .asyncHTTPClient,
                .hummingbird,
                .httpTypes,
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"), .jwtKit, .logging, .nioCore, .postgresNIO,
            ],
            path: "Tests/UnitTests",
            swiftSettings: swiftSettings
        ),
        // Against a real RabbitMQ and a real PostgreSQL over TLS (started by scripts/test).
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "SopzDomain", "SopzContract", "SopzPorts", "SopzProcessing", "SopzRuntime", "SopzAMQP", "SopzPostgres",
                "SopzTestSupport", "Ingress", "Dispatcher", "Notifier", "Projector", .hummingbird, .httpTypes,
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .asyncHTTPClient, .crypto, .jwtKit, .logging, .nioCore, .nioSSL, .postgresNIO, .serviceLifecycle,
            ],
            path: "Tests/IntegrationTests",
            swiftSettings: swiftSettings
        ),
    ]
)
