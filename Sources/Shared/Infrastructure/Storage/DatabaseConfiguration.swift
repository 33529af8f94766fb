import Foundation
import NIOSSL
import PostgresNIO

/// Where and how to reach PostgreSQL: parsed from `SOPZ_DATABASE_URL`
/// (`postgres://user:pass@host:port/db?sslmode=verify-full`).
public struct DatabaseConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// PEM file of the CA that signed the server's certificate; the system bundle when nil.
    public var caFile: String?
    /// Connections in the pool (`SOPZ_DATABASE_POOL_SIZE`, default 16).
    public var poolSize: Int = 16

    /// Parses the URL. Only `sslmode=verify-full` (the default when absent) is accepted: the
    /// server's certificate and host name are always verified.
    public init(url: String, caFile: String?) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            ["postgres", "postgresql"].contains(scheme)
        else { throw ConfigurationError("SOPZ_DATABASE_URL must be a postgres:// URL") }
        guard let host = components.host, !host.isEmpty else {
            throw ConfigurationError("SOPZ_DATABASE_URL has no host")
        }
        let sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "verify-full"
        guard sslMode == "verify-full" else {
            throw ConfigurationError("SOPZ_DATABASE_URL must use sslmode=verify-full (got \(sslMode))")
        }
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        self.host = host
        self.port = components.port ?? 5432
        self.user = components.user?.removingPercentEncoding ?? "postgres"
        self.password = components.password?.removingPercentEncoding
        self.database = database.isEmpty ? self.user : database
        self.caFile = caFile
    }

    func tlsConfiguration() -> TLSConfiguration {
        var tls = TLSPolicy.applied(to: .makeClientConfiguration())
        tls.certificateVerification = .fullVerification
        if let caFile { tls.trustRoots = .file(caFile) }
        return tls
    }

    /// A bounded pool configuration for `PostgresClient`.
    public func clientConfiguration() -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database,
            tls: .require(tlsConfiguration()))
        configuration.options.maximumConnections = poolSize
        configuration.options.minimumConnections = 0
        configuration.options.connectionIdleTimeout = .seconds(60)
        return configuration
    }

    /// A single-connection configuration (for LISTEN).
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database,
            tls: .require(try NIOSSLContext(configuration: tlsConfiguration())))
    }
}
