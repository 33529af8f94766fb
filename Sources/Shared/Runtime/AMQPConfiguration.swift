import Foundation

/// Where and how to reach RabbitMQ: parsed from `SOPZ_AMQP_URL` (`amqps://user:pass@host:port/vhost`).
public struct AMQPConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var virtualHost: String
    public var user: String
    public var password: String
    /// PEM file of the CA that signed the broker's certificate; the system bundle when nil.
    public var caFile: String?
    /// Seconds between heartbeats; rabbitmq-c services them inside library calls only, so every
    /// loop here polls with a short timeout.
    public var heartbeatSeconds: Int = 30
    public var connectTimeout: TimeInterval = 5
    /// How long a synchronous AMQP method (declare, qos, close) may take before the connection
    /// is considered lost.
    public var rpcTimeout: TimeInterval = 10

    public init(host: String, port: Int, virtualHost: String, user: String, password: String, caFile: String?) {
        self.host = host
        self.port = port
        self.virtualHost = virtualHost
        self.user = user
        self.password = password
        self.caFile = caFile
    }

    /// Parses an `amqps://` URL. Plain `amqp://` is refused: every hop is TLS.
    public init(url: String, caFile: String?) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw ConfigurationError("SOPZ_AMQP_URL is not a URL")
        }
        guard scheme == "amqps" else {
            throw ConfigurationError("SOPZ_AMQP_URL must use amqps:// (TLS); got \(scheme)://")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ConfigurationError("SOPZ_AMQP_URL has no host")
        }
        var virtualHost = components.percentEncodedPath
        if virtualHost.hasPrefix("/") { virtualHost.removeFirst() }
        virtualHost = virtualHost.removingPercentEncoding ?? virtualHost
        self.init(
            host: host, port: components.port ?? 5671, virtualHost: virtualHost.isEmpty ? "/" : virtualHost,
            user: components.user?.removingPercentEncoding ?? "guest",
            password: components.password?.removingPercentEncoding ?? "guest", caFile: caFile)
    }
}
