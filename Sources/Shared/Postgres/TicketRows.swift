import Foundation
import PostgresNIO
import SopzContract
import SopzDomain

/// The `tickets` table's columns as every statement selects them, and the ticket they hold.
enum TicketRows {
    static let columnNames = [
        "id", "owner_id", "owner_name", "title", "description", "category", "refund::text AS refund", "status",
        "assignee_id", "created_at", "updated_at", "version",
    ]
    /// The ticket columns of `table` (a name or an alias), as `ticket(from:)` reads them.
    static func columns(of table: String = "tickets") -> String {
        columnNames.map { "\(table).\($0)" }.joined(separator: ", ")
    }

    /// The ticket in `row`'s ticket columns (read by name, so the same code serves the plain read
    /// and the record-and-lock statement); nil when they are NULL: no such ticket yet.
    static func ticket(from row: PostgresRow) throws -> Ticket? {
        let columns = PostgresRandomAccessRow(row)
        guard let id = try columns["id"].decode(UUID?.self) else { return nil }
        let refund = try columns["refund"].decode(String?.self)
        return Ticket(
            id: TicketID(id), ownerID: try columns["owner_id"].decode(String.self),
            ownerName: try columns["owner_name"].decode(String.self), title: try columns["title"].decode(String.self),
            description: try columns["description"].decode(String.self),
            category: try columns["category"].decode(String?.self),
            refund: try refund.map { try JSONCoding.decoder().decode(RefundRequest.self, from: Data($0.utf8)) },
            status: TicketStatus(rawValue: try columns["status"].decode(String.self)) ?? .new,
            assigneeID: try columns["assignee_id"].decode(String?.self),
            createdAt: try columns["created_at"].decode(Date.self),
            updatedAt: try columns["updated_at"].decode(Date.self), version: try columns["version"].decode(Int.self))
    }
}
