import Logging
import ServiceLifecycle
import UnixSignals

extension ServiceGroup {
    /// The process's services in start order (they stop in reverse), shut down gracefully on
    /// SIGTERM (Kubernetes) or SIGINT (Ctrl-C).
    public static func sopz(_ services: [any Service], logger: Logger) -> ServiceGroup {
        ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
    }
}
