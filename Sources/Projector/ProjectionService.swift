import Foundation
import Logging
import ServiceLifecycle
import SopzPostgres
import SopzRuntime

/// Keeps the read model up with the event store (and the administrators with the write model's):
/// a step after every commit notification (`NOTIFY sopz_outbox`, sent once events are committed)
/// and every `pollInterval` in case one was missed or a transaction still running held events
/// back; each wake-up steps until caught up. Beside it, the lag is measured every `pollInterval`
/// for the metrics.
struct ProjectionService: Service {
    let store: PostgresProjectionStore
    let wakeUps: AsyncStream<String>
    let schemasReady: [Gate]
    let metrics: ProjectionMetrics
    let logger: Logger
    var batchSize = 500
    var pollInterval: Duration = .seconds(1)
    /// How long a wake-up waits for more commits before stepping: under load this turns a step
    /// per commit into one per many, for a lag nobody reading notices (seconds are allowed).
    var gatherDelay: Duration = .milliseconds(100)

    func run() async throws {
        for gate in schemasReady { guard await gate.waitUnlessShuttingDown() else { return } }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await drainOnWakeUps(wakeUps, pollInterval: pollInterval, gatherDelay: gatherDelay) { await catchUp() }
            }
            group.addTask { await repeatUntilShutdown(every: pollInterval) { await measureLag() } }
            await group.waitForAll()
        }
    }

    /// Copies the administrators, then steps until a step reads fewer events than it may, fails
    /// (tried again on the next wake-up) or a graceful shutdown begins (a projector far behind
    /// stops between two steps, each committed with its checkpoint, not at the end of its backlog).
    func catchUp() async {
        do {
            try await store.copyAdministrators()
            while !Task.isShuttingDownGracefully {
                let step = try await store.step(limit: batchSize)
                metrics.applied(step.applied)
                if step.read < batchSize { break }
            }
        } catch {
            logger.warning("projection paused", metadata: ["error": "\(error)"])
        }
    }

    func measureLag() async {
        do {
            metrics.record(try await store.lag())
        } catch {
            logger.debug("could not measure the projection lag", metadata: ["error": "\(error)"])
        }
    }
}
