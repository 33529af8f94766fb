// swift-tools-version:6.1
import PackageDescription

/// Settings every Sopz module shares: Swift 6 language mode (strict concurrency) plus the
/// upcoming features the server ecosystem has settled on.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Sopz",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sopz-ingress", targets: ["Ingress"]),
        .executable(name: "sopz-dispatcher", targets: ["Dispatcher"]),
        .executable(name: "sopz-notifier", targets: ["Notifier"]),
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
    ],
    targets: [
        // rabbitmq-c (Debian's librabbitmq-dev) seen from Swift.
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Sources/Shared/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        // The help-desk domain as plain values and pure functions: no I/O at all.
        .target(
            name: "SopzDomain",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/Shared/Domain",
            swiftSettings: swiftSettings
        ),
        // Adapters every executable shares: configuration, AMQP, PostgreSQL, metrics.
        .target(
            name: "SopzInfrastructure",
            dependencies: [
                "SopzDomain",
                "CRabbitMQ",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Shared/Infrastructure",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Ingress",
            dependencies: [
                "SopzDomain",
                "SopzInfrastructure",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Sources/Ingress",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Dispatcher",
            dependencies: ["SopzDomain", "SopzInfrastructure"],
            path: "Sources/Dispatcher",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Notifier",
            dependencies: ["SopzDomain", "SopzInfrastructure"],
            path: "Sources/Notifier",
            swiftSettings: swiftSettings
        ),
        // Pure tests: no broker, no database.
        .testTarget(
            name: "DomainTests",
            dependencies: ["SopzDomain"],
            path: "Tests/DomainTests",
            swiftSettings: swiftSettings
        ),
        // Pure tests of the adapters and executables: no broker, no database.
        .testTarget(
            name: "UnitTests",
            dependencies: [
                "SopzDomain",
                "SopzInfrastructure",
                "Ingress",
                "Dispatcher",
                "Notifier",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            path: "Tests/UnitTests",
            swiftSettings: swiftSettings
        ),
        // Against a real RabbitMQ and a real PostgreSQL over TLS (started by scripts/test).
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "SopzDomain",
                "SopzInfrastructure",
                "Ingress",
                "Dispatcher",
                "Notifier",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            path: "Tests/IntegrationTests",
            swiftSettings: swiftSettings
        ),
    ]
)
