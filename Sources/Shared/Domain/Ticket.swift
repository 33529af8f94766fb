import Foundation

/// A help-desk request as the write model holds it.
public struct Ticket: Hashable, Sendable, Codable {
    public let id: TicketID
    /// The client who opened it (`sub`).
    public let ownerID: String
    public let ownerName: String
    public var title: String
    public var description: String
    public var category: String?
    public var refund: RefundRequest?
    public var status: TicketStatus
    public var assigneeID: String?
    public let createdAt: Date
    public var updatedAt: Date
    /// Number of events applied so far; events are numbered 1, 2, … per ticket.
    public var version: Int

    private enum CodingKeys: String, CodingKey {
        case id, title, description, category, refund, status, createdAt, updatedAt, version, ownerName
        case ownerID = "ownerId"
        case assigneeID = "assigneeId"
    }

    public init(
        id: TicketID, ownerID: String, ownerName: String, title: String, description: String,
        category: String?, refund: RefundRequest?, status: TicketStatus, assigneeID: String?,
        createdAt: Date, updatedAt: Date, version: Int
    ) {
        self.id = id
        self.ownerID = ownerID
        self.ownerName = ownerName
        self.title = title
        self.description = description
        self.category = category
        self.refund = refund
        self.status = status
        self.assigneeID = assigneeID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }
}

/// A refund the client asks for; carried out later by an external billing system (saga).
public struct RefundRequest: Hashable, Sendable, Codable {
    public let orderId: String
    /// A positive amount with at most two decimals.
    public let amount: Decimal
    /// ISO 4217 code, e.g. `EUR`.
    public let currency: String

    private enum CodingKeys: String, CodingKey, CaseIterable { case orderId, amount, currency }

    /// The JSON fields a refund has (a request with any other is refused).
    public static let fieldNames = Set(CodingKeys.allCases.map(\.stringValue))

    public init(orderId: String, amount: Decimal, currency: String) {
        self.orderId = orderId
        self.amount = amount
        self.currency = currency
    }
}
