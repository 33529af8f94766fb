import Foundation
import Logging
import ServiceLifecycle
import SopzPostgres
import SopzRuntime

/// Lets long-final tickets leave the write database (`WriteRetention`) every `interval`: those
/// closed or cancelled more than `retention` ago.
struct RetentionService: Service {
    let retention: WriteRetention
    let keep: Duration
    let schemasReady: [Gate]
    let logger: Logger
    var interval: Duration = .seconds(60)

    func run() async throws {
        for gate in schemasReady { guard await gate.waitUnlessShuttingDown() else { return } }
        await repeatUntilShutdown(every: interval) { await archive() }
    }

    func archive() async {
        let cutoff = Date().addingTimeInterval(-Double(keep.components.seconds))
        do {
            let archived = try await retention.archive(finalBefore: cutoff)
            if archived > 0 {
                logger.info(
                    "archived long-final tickets out of the write database", metadata: ["tickets": "\(archived)"])
            }
        } catch {
            logger.warning("retention paused", metadata: ["error": "\(error)"])
        }
    }
}
