import Foundation

/// A request to change a ticket, as it travels from the ingress through RabbitMQ to a dispatcher.
///
/// The ingress stamps who asked and when; the dispatcher decides. (Its JSON form is in
/// SopzContract: `CommandEnvelope+Wire.swift`.)
public struct CommandEnvelope: Hashable, Sendable {
    public let commandID: CommandID
    public let issuedAt: Date
    public let issuer: User
    public let ticketID: TicketID
    public let command: TicketCommand

    public init(commandID: CommandID, issuedAt: Date, issuer: User, ticketID: TicketID, command: TicketCommand) {
        self.commandID = commandID
        self.issuedAt = issuedAt
        self.issuer = issuer
        self.ticketID = ticketID
        self.command = command
    }
}

/// What the issuer wants done to the ticket.
public enum TicketCommand: Hashable, Sendable {
    case create(NewTicket)
}
