/// Where a consumer process — dispatcher, notifier, projector — answers `GET /metrics`
/// (Prometheus) and `GET /healthz`, over HTTPS like every other hop. (The ingress answers both on
/// its API port.)
public struct OperationsSettings: Sendable, Equatable {
    /// The default ports, one per process so they fit on one machine side by side.
    public static let dispatcherPort = 9101
    public static let notifierPort = 9102
    public static let projectorPort = 9103

    /// `SOPZ_METRICS_ADDRESS` (`host:port`), default `127.0.0.1` and the process's own port;
    /// port 0 serves nothing.
    public var host = "127.0.0.1"
    public var port: Int
    /// `SOPZ_TLS_CERT` / `SOPZ_TLS_KEY`: without them nothing is served (never plain HTTP).
    public var certificateFile: String?
    public var keyFile: String?

    public init(environment: [String: String], defaultPort: Int) throws {
        port = defaultPort
        (host, port) = try environment.address("SOPZ_METRICS_ADDRESS", default: (host, port))
        certificateFile = environment["SOPZ_TLS_CERT"].flatMap { $0.isEmpty ? nil : $0 }
        keyFile = environment["SOPZ_TLS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    }
}
