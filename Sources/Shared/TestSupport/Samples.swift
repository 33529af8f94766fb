import Foundation
import SopzDomain

/// Builders of the values tests need, in one place.
public enum Samples {
    public static let client = User(id: "client-1", name: "Ada Client", roles: [.client])
    public static let otherClient = User(id: "client-2", name: "Ben Client", roles: [.client])
    public static let administrator = User(id: "admin-1", name: "Ann Administrator", roles: [.administrator])
    public static let manager = User(id: "manager-1", name: "Max Manager", roles: [.manager])

    /// A command to open a ticket; the ticket id derives from the command id, as the ingress makes it.
    public static func create(
        title: String = "Printer jams", description: String = "Every second page", by issuer: User = client,
        ticketID: TicketID? = nil, commandID: CommandID = CommandID(UUID()), at issuedAt: Date = Date()
    ) -> CommandEnvelope {
        CommandEnvelope(
            commandID: commandID, issuedAt: issuedAt, issuer: issuer,
            ticketID: ticketID ?? TicketID(DerivedID.uuid(from: commandID.rawValue, label: "ticket")),
            command: .create(NewTicket(title: title, description: description)))
    }

    /// A stored ticket.
    public static func ticket(
        id: TicketID = TicketID(UUID()), owner: User = client, status: TicketStatus = .new,
        at time: Date = Date(timeIntervalSince1970: 1_800_000_000)
    ) -> Ticket {
        Ticket(
            id: id, ownerID: owner.id, ownerName: owner.name, title: "Printer jams", description: "Every second page",
            category: nil, refund: nil, status: status, assigneeID: nil, createdAt: time, updatedAt: time, version: 1)
    }
}
