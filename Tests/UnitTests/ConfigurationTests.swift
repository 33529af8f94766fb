import Foundation
import Logging
import PostgresNIO
import SopzPostgres
import SopzRuntime
import Testing

@testable import Dispatcher
@testable import Ingress

@Suite struct ConfigurationTests {
    @Test func anAMQPSURLIsParsed() throws {
        let configuration = try AMQPConfiguration(url: "amqps://app:s%40cret@broker:5672/%2Fprod", caFile: "/ca.pem")
        #expect(configuration.host == "broker")
        #expect(configuration.port == 5672)
        #expect(configuration.user == "app")
        #expect(configuration.password == "s@cret")
        #expect(configuration.virtualHost == "/prod")
        #expect(configuration.caFile == "/ca.pem")
    }

    @Test func amqpsDefaultsToPort5671AndTheRootVirtualHost() throws {
        let configuration = try AMQPConfiguration(url: "amqps://broker", caFile: nil)
        #expect(configuration.port == 5671)
        #expect(configuration.virtualHost == "/")
    }

    @Test(arguments: ["amqp://broker/", "http://broker", "amqps://", "not a url at all ::"])
    func plainOrBrokenAMQPURLsAreRefused(url: String) {
        #expect(throws: ConfigurationError.self) { try AMQPConfiguration(url: url, caFile: nil) }
    }

    @Test func aDatabaseURLIsParsed() throws {
        let configuration = try DatabaseConfiguration(
            url: "postgres://sopz:pw@db:6432/help?sslmode=verify-full", caFile: nil)
        #expect(configuration.host == "db")
        #expect(configuration.port == 6432)
        #expect(configuration.user == "sopz")
        #expect(configuration.password == "pw")
        #expect(configuration.database == "help")
        #expect(configuration.clientConfiguration().options.maximumConnections == 16)
    }

    @Test(arguments: [
        "postgres://db/x?sslmode=disable", "postgres://db/x?sslmode=require", "mysql://db/x", "postgres:///x",
    ])
    func databaseURLsWithoutFullVerificationAreRefused(url: String) {
        #expect(throws: ConfigurationError.self) { try DatabaseConfiguration(url: url, caFile: nil) }
    }

    @Test func sharedSettingsHaveWorkingDefaults() throws {
        let settings = try SharedSettings(environment: [:])
        #expect(settings.amqp.host == "localhost")
        #expect(settings.database.database == "sopz")
        #expect(!settings.devMode)
        #expect(settings.logLevel == .info)
    }

    @Test func sharedSettingsReadTheEnvironment() throws {
        let settings = try SharedSettings(environment: [
            "SOPZ_DEV_MODE": "1", "SOPZ_LOG_LEVEL": "debug", "SOPZ_DATABASE_POOL_SIZE": "4", "SOPZ_TLS_CA": "/ca",
        ])
        #expect(settings.devMode)
        #expect(settings.logLevel == .debug)
        #expect(settings.database.poolSize == 4)
        #expect(settings.amqp.caFile == "/ca")
        #expect(throws: ConfigurationError.self) { try SharedSettings(environment: ["SOPZ_DATABASE_POOL_SIZE": "0"]) }
    }

    @Test func ingressSettingsNeedACertificate() throws {
        let shared = try SharedSettings(environment: [:])
        #expect(throws: ConfigurationError.self) { try IngressSettings(environment: [:], shared: shared) }
    }

    @Test func outsideDevModeTheCommandSecretIsRequired() throws {
        let tls = ["SOPZ_TLS_CERT": "/c", "SOPZ_TLS_KEY": "/k"]
        let production = try SharedSettings(environment: [:])
        #expect(throws: ConfigurationError.self) { try IngressSettings(environment: tls, shared: production) }
        let development = try SharedSettings(environment: ["SOPZ_DEV_MODE": "1"])
        #expect(try IngressSettings(environment: tls, shared: development).commandIDSecret.count == 32)
        var withSecret = tls
        withSecret["SOPZ_WEBHOOK_KEY"] = String(repeating: "cd", count: 32)
        withSecret["SOPZ_COMMAND_ID_SECRET"] = String(repeating: "ab", count: 32)
        #expect(
            try IngressSettings(environment: withSecret, shared: production).commandIDSecret
                == Array(repeating: 0xAB, count: 32))
        withSecret["SOPZ_COMMAND_ID_SECRET"] = "abcd"
        #expect(throws: ConfigurationError.self) { try IngressSettings(environment: withSecret, shared: production) }
    }

    @Test func ingressSettingsReadAddressesAndLimits() throws {
        let shared = try SharedSettings(environment: ["SOPZ_DEV_MODE": "1"])
        let settings = try IngressSettings(
            environment: [
                "SOPZ_TLS_CERT": "/c", "SOPZ_TLS_KEY": "/k", "SOPZ_HTTP_ADDRESS": "0.0.0.0:9443",
                "SOPZ_OIDC_ISSUER": "https://id/realms/x", "SOPZ_OIDC_AUDIENCE": "api", "SOPZ_MAX_BODY_BYTES": "2048",
                "SOPZ_DEV_ISSUER_ADDRESS": "127.0.0.1:9444",
            ], shared: shared)
        #expect(settings.host == "0.0.0.0")
        #expect(settings.port == 9443)
        #expect(settings.issuer == "https://id/realms/x")
        #expect(settings.audience == "api")
        #expect(settings.maxBodyBytes == 2048)
        #expect(settings.devIssuerPort == 9444)
        #expect(settings.commandRatePerMinute == 120)
        #expect(settings.corsOrigins.isEmpty)
        #expect(throws: ConfigurationError.self) { try ["X": "nowhere"].address("X", default: ("h", 1)) }
        #expect(throws: ConfigurationError.self) { try ["X": "h:99999"].address("X", default: ("h", 1)) }
    }

    @Test func ingressSettingsReadAbuseLimits() throws {
        let shared = try SharedSettings(environment: ["SOPZ_DEV_MODE": "1"])
        var environment = [
            "SOPZ_TLS_CERT": "/c", "SOPZ_TLS_KEY": "/k", "SOPZ_COMMAND_RATE_PER_MINUTE": "0", "SOPZ_COMMAND_BURST": "5",
            "SOPZ_CORS_ORIGINS": "https://desk.example.com, http://localhost:3000",
            "SOPZ_OIDC_MIN_KEY_REFRESH_SECONDS": "0",
        ]
        let settings = try IngressSettings(environment: environment, shared: shared)
        #expect(settings.commandRatePerMinute == 0)
        #expect(settings.commandBurst == 5)
        #expect(settings.corsOrigins == ["https://desk.example.com", "http://localhost:3000"])
        #expect(settings.keyRefreshInterval == .zero)
        for origin in ["desk.example.com", "https://desk.example.com/app", "ftp://x", "*"] {
            environment["SOPZ_CORS_ORIGINS"] = origin
            #expect(throws: ConfigurationError.self) { try IngressSettings(environment: environment, shared: shared) }
        }
    }

    @Test func dispatcherOptionsAreBounded() throws {
        let options = try DispatcherOptions(environment: ["SOPZ_DISPATCHER_PREFETCH": "10"])
        #expect(options.prefetch == 10)
        #expect(options.concurrency == 512)
        #expect(options.maxBatch == 256)
        #expect(options.batchLanes == 1)
        #expect(try DispatcherOptions(environment: ["SOPZ_DISPATCHER_MAX_BATCH": "1"]).maxBatch == 1)
        #expect(throws: ConfigurationError.self) {
            try DispatcherOptions(environment: ["SOPZ_DISPATCHER_BATCH_LANES": "0"])
        }
        #expect(throws: ConfigurationError.self) {
            try DispatcherOptions(environment: ["SOPZ_DISPATCHER_CONCURRENCY": "many"])
        }
    }
}
