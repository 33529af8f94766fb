import Foundation
import SopzContract
import SopzDomain

/// Tickets as RFC 4180 CSV: a header line, then one record per ticket, CRLF after each; a field
/// holding a comma, a quote, CR or LF is quoted, its quotes doubled.
///
/// What users typed is data, also in a spreadsheet: a text field that begins with `=`, `+`, `-`,
/// `@`, a tab or CR is written with a leading `'`, so a spreadsheet shows it instead of running it
/// as a formula (OWASP's advice on CSV injection). Ids, statuses, times and numbers are ours and
/// written as they are.
enum TicketCSV {
    static let columns = [
        "id", "status", "title", "description", "category", "ownerId", "ownerName", "assigneeId", "createdAt",
        "updatedAt", "version", "refundOrderId", "refundAmount", "refundCurrency",
    ]

    static let header = record(columns)

    /// One ticket's record, CRLF included.
    static func record(of ticket: Ticket) -> String {
        record([
            ticket.id.description, ticket.status.rawValue, typed(ticket.title), typed(ticket.description),
            typed(ticket.category ?? ""), ticket.ownerID, typed(ticket.ownerName), ticket.assigneeID ?? "",
            JSONCoding.timestamp(ticket.createdAt), JSONCoding.timestamp(ticket.updatedAt), String(ticket.version),
            typed(ticket.refund?.orderId ?? ""), ticket.refund.map { "\($0.amount)" } ?? "",
            ticket.refund?.currency ?? "",
        ])
    }

    static func record(_ fields: [String]) -> String {
        fields.map(escaped).joined(separator: ",") + "\r\n"
    }

    /// The field, quoted when RFC 4180 asks for it.
    static func escaped(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Text a user typed, defused for spreadsheets.
    static func typed(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, formulaStarts.contains(first) else { return text }
        return "'" + text
    }

    private static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]
}
