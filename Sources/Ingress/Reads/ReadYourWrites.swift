import Foundation
import SopzDomain
import SopzPorts
import SopzRuntime

/// Reads of the read model that can wait for the projector: a client that just saw its
/// command `done` at version n asks for `minVersion=n`, and the answer shows its change.
struct ReadYourWrites: Sendable {
    let readModel: any ReadModelReading
    let progress: ProjectionProgress
    /// The write model, asked only when the view is behind: is there anything to wait for?
    let writeModel: any TicketReading
    /// How long a read waits for the projector to reach the version asked for; beyond it the
    /// answer is 503 `read-model-behind`, never an older ticket passed off as current.
    var wait: Duration = .seconds(2)
    /// How long the write model is given to say whether the version exists.
    var lookTimeout: Duration = .milliseconds(250)

    /// The view of `id` at `minVersion` or later (any version without it); nil when there is
    /// none. When the view is behind, the write model says whether that version exists: if the
    /// ticket is not there for `user` (or not at that version yet) there is nothing to wait for
    /// and the view is the answer; if it is, or the write model cannot tell, the read waits for the projector.
    /// Throws `Problem.readModelBehind` when the view did not get there in time and
    /// `Problem.unavailable` when the read database does not answer.
    func ticket(_ id: TicketID, minVersion: Int?, for user: User) async throws -> Ticket? {
        let deadline = ContinuousClock.now + wait
        var worthWaiting = false
        while true {
            let steps = progress.steps
            let ticket = try await Problem.unavailableUnless(reading: "tickets") { try await readModel.ticket(id) }
            guard let minVersion, (ticket?.version ?? 0) < minVersion else { return ticket }
            if !worthWaiting {
                do {
                    let written = try await withDeadline(lookTimeout) { [writeModel] in try await writeModel.ticket(id)
                    }
                    // Not there for this user: nothing to wait for, and nothing to reveal.
                    guard let written, written.isVisible(to: user), written.version >= minVersion else { return ticket }
                } catch {
                    // The write model cannot tell: wait for the projector as if it existed.
                }
                worthWaiting = true
            }
            guard ContinuousClock.now < deadline else {
                throw Problem.readModelBehind("the ticket is not yet at version \(minVersion) in the read model")
            }
            await progress.wait(after: steps, until: deadline)
        }
    }
}
