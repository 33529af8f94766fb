import Foundation
import Logging
import ServiceLifecycle
import SopzPostgres
import SopzRuntime

/// Keeps the webhook delivery log to `WebhookDeliveryStore.kept` (30 days): every `interval` it
/// forgets older finished deliveries, those of deleted subscriptions, and the events they carried.
/// Every notifier replica runs it; running it twice at once deletes nothing twice.
struct WebhookLogRetention: Service {
    let deliveries: WebhookDeliveryStore
    let schemaReady: Gate
    let logger: Logger
    var interval: Duration = .seconds(600)

    func run() async throws {
        guard await schemaReady.waitUnlessShuttingDown() else { return }
        await repeatUntilShutdown(every: interval) { await prune() }
    }

    func prune() async {
        do {
            let gone = try await deliveries.prune(finishedBefore: Date().addingTimeInterval(-WebhookDeliveryStore.kept))
            if gone > 0 { logger.info("forgot old webhook deliveries", metadata: ["deliveries": "\(gone)"]) }
        } catch {
            logger.warning("webhook log retention paused", metadata: ["error": "\(error)"])
        }
    }
}
