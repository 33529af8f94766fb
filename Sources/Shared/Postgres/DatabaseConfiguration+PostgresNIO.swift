import NIOSSL
import PostgresNIO
import SopzRuntime

extension DatabaseConfiguration {
    /// The client TLS of every connection: `TLSPolicy`, the server certificate and host name verified.
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
