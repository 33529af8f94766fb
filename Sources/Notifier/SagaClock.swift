import Foundation
import Logging
import ServiceLifecycle
import SopzDomain
import SopzPostgres
import SopzRuntime

/// The sagas' clock: every `interval` it looks for sagas whose awaited reply is late and sends
/// each the command `saga.tick`, so a timeout fires even when no message arrives. The tick's id
/// derives from the saga and the deadline: sent again (by this replica after `resendAfter`, or by
/// another replica meanwhile) it is one command. The dispatcher decides what the lateness means.
struct SagaClock: Service {
    let sagas: SagaStore
    let commands: @Sendable (CommandEnvelope) async throws -> Void
    let schemaReady: Gate
    let logger: Logger
    var interval: Duration = .seconds(1)
    /// How long a tick that was sent is left to the dispatchers before it is sent again.
    var resendAfter: TimeInterval = 30

    /// The notifier, as the issuer of the ticks.
    static let issuer = User(id: "sopz-clock", name: "Sopz clock", roles: [])

    func run() async throws {
        guard await schemaReady.waitUnlessShuttingDown() else { return }
        var sent: [CommandID: Date] = [:]
        await repeatUntilShutdown(every: interval) {
            let now = Date()
            sent = sent.filter { now.timeIntervalSince($0.value) < resendAfter }
            do {
                for due in try await sagas.due(at: now, limit: 100) {
                    let tick = Self.tick(due, at: now)
                    guard sent[tick.commandID] == nil else { continue }
                    try await commands(tick)
                    sent[tick.commandID] = now
                }
            } catch {
                logger.warning("the saga clock missed a beat", metadata: ["error": "\(error)"])
            }
        }
    }

    static func tick(_ due: SagaStore.Due, at now: Date) -> CommandEnvelope {
        let label = "tick-\(Int64((due.deadline.timeIntervalSince1970 * 1_000).rounded()))"
        return CommandEnvelope(
            commandID: CommandID(DerivedID.uuid(from: due.sagaID, label: label)), issuedAt: now, issuer: issuer,
            ticketID: due.ticketID, command: .saga(.tick(sagaID: due.sagaID)))
    }
}
