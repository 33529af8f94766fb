import Foundation
import SopzDomain
import SopzAMQP
import SopzContract
import SopzPorts

/// Stamps a command with its id, issuer and time, and hands it to the broker.
struct CommandGateway: Sendable {
    let publisher: any CommandPublishing
    let mint: CommandIDMint

    /// The command as it will travel: its id (the same for a repeated `Idempotency-Key`), issuer,
    /// time, ticket (a new ticket's id derives from the command's) and the ticket version the
    /// issuer saw (`If-Match`).
    func envelope(
        _ command: TicketCommand, ticketID: TicketID?, by user: User, idempotencyKey: String?,
        expectedVersion: Int? = nil
    ) -> CommandEnvelope {
        let commandID = mint.mint(for: user.id, idempotencyKey: idempotencyKey)
        var ticketID = ticketID
        if case .create = command { ticketID = TicketID(DerivedID.uuid(from: commandID.rawValue, label: "ticket")) }
        return CommandEnvelope(
            commandID: commandID, issuedAt: Date(), issuer: user, ticketID: ticketID, command: command,
            expectedVersion: expectedVersion)
    }

    /// Returns only after the broker confirmed the command (durable in a quorum queue);
    /// otherwise throws a 503 problem.
    func publish(_ envelope: CommandEnvelope) async throws {
        do {
            try await publisher.publish(envelope)
        } catch {
            throw Problem.unavailable("the command could not be queued; nothing was accepted, try again")
        }
    }

    /// An `Idempotency-Key` is 1–255 visible ASCII characters.
    static func validIdempotencyKey(_ key: String?) throws -> String? {
        guard let key else { return nil }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw Problem.badRequest("Idempotency-Key must be 1 to 255 visible ASCII characters")
        }
        return key
    }
}
