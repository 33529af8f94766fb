import Foundation
import Logging
import SopzRuntime

/// Connection settings for the real RabbitMQ and PostgreSQL that `scripts/test` started.
/// Missing settings are an error, never a skip: a test that did not run did not pass.
enum TestEnvironment {
    struct Missing: Error, CustomStringConvertible {
        let description =
            "the test environment (SOPZ_AMQP_URL, SOPZ_DATABASE_URL, SOPZ_READ_DATABASE_URL, SOPZ_TLS_*, SOPZ_TEST_*) is not set: run the tests with scripts/test"
    }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static func settings() throws -> SharedSettings {
        guard environment["SOPZ_AMQP_URL"] != nil, environment["SOPZ_DATABASE_URL"] != nil,
            environment["SOPZ_READ_DATABASE_URL"] != nil, environment["SOPZ_TLS_CERT"] != nil
        else { throw Missing() }
        var settings = try SharedSettings(environment: environment)
        settings.devMode = true
        settings.database.poolSize = 8
        settings.readDatabase.poolSize = 8
        return settings
    }

    static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = environment["SOPZ_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }

    static var certificateFile: String { environment["SOPZ_TLS_CERT"] ?? "" }
    static var keyFile: String { environment["SOPZ_TLS_KEY"] ?? "" }

    /// Runs `scripts/servers <action> [arguments]` (stop-postgres, start-postgres, stop-rabbitmq,
    /// start-rabbitmq, start-prometheus …, stop-prometheus …).
    ///
    /// Spawned with `posix_spawn` and awaited with `waitpid`: Foundation's `Process` notices an
    /// exit through a descriptor the child inherits, and a daemon it starts (the postmaster)
    /// inherits it too, so `waitUntilExit` would wait for PostgreSQL to stop.
    static func servers(_ action: String, _ extra: String...) throws {
        guard let script = environment["SOPZ_TEST_SERVERS"] else { throw Missing() }
        var arguments: [UnsafeMutablePointer<CChar>?] = ([script, action] + extra).map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, script, nil, nil, &arguments, environ)
        guard spawned == 0 else { throw ServersError(description: "cannot run \(script): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else {
            throw ServersError(
                description: "scripts/servers \(([action] + extra).joined(separator: " ")) failed with status \(status)"
            )
        }
    }

    struct ServersError: Error, CustomStringConvertible { let description: String }

    /// The folder holding the built executables (for tests that need a separate process).
    static var binaryFolder: URL {
        Bundle.main.bundleURL.deletingLastPathComponent()
    }
}
