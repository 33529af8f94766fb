import Foundation

/// Where and how to reach PostgreSQL: parsed from `SOPZ_DATABASE_URL`
/// (`postgres://user:pass@host:port/db?sslmode=verify-full`). SopzPostgres turns it into
/// postgres-nio's configurations.
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
    public init(url: String, caFile: String?, variable: String = "SOPZ_DATABASE_URL") throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            ["postgres", "postgresql"].contains(scheme)
        else { throw ConfigurationError("\(variable) must be a postgres:// URL") }
        guard let host = components.host, !host.isEmpty else {
            throw ConfigurationError("\(variable) has no host")
        }
        let sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "verify-full"
        guard sslMode == "verify-full" else {
            throw ConfigurationError("\(variable) must use sslmode=verify-full (got \(sslMode))")
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
}
