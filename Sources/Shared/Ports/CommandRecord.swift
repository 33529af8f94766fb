import SopzDomain

/// What became of a command, as recorded in the `commands` table.
public struct CommandRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case done, rejected }

    public let commandID: CommandID
    public let issuerID: String
    public let type: String
    public let ticketID: TicketID?
    public let status: Status
    public let rejection: TicketRejection?
    /// `TicketCommand.fingerprint` of what was asked (nil for commands recorded before it was kept).
    public var fingerprint: String?

    public init(
        commandID: CommandID, issuerID: String, type: String, ticketID: TicketID?, status: Status,
        rejection: TicketRejection?, fingerprint: String? = nil
    ) {
        self.commandID = commandID
        self.issuerID = issuerID
        self.type = type
        self.ticketID = ticketID
        self.status = status
        self.rejection = rejection
        self.fingerprint = fingerprint
    }
}

/// A finished command and its ticket as it is now (nil for a rejected create).
public struct FinishedCommand: Sendable, Equatable {
    public let record: CommandRecord
    public let ticket: Ticket?

    public init(record: CommandRecord, ticket: Ticket?) {
        self.record = record
        self.ticket = ticket
    }
}
