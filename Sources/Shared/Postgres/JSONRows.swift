import Foundation
import SopzContract

/// Rows handed to one statement as a JSON document (read there with `jsonb_to_recordset`), so a
/// statement writes any number of rows in one round trip.
enum JSONRows {
    static func encode(_ rows: some Encodable) throws -> String {
        String(decoding: try JSONCoding.encoder().encode(rows), as: UTF8.self)
    }
}

/// A value only known as `Encodable` (an event's data as the catalogue shapes it), inside a row.
struct EncodedData: Encodable {
    let payload: any Encodable & Sendable
    func encode(to encoder: any Encoder) throws { try payload.encode(to: encoder) }
}

/// A write whose row counts are not those expected: the transaction fails instead of passing for
/// a committed one.
struct WriteCountMismatch: Error {
    let expected: [Int]
    let written: [Int]?
}

extension TicketRows {
    /// The columns a ticket is written to, the fields of `Ticket`'s JSON they come from (in the
    /// same order), those fields' types for `jsonb_to_recordset`, and what an upsert updates.
    static let writtenColumns =
        "id, owner_id, owner_name, title, description, category, refund, status, assignee_id, created_at, updated_at, version"
    static let jsonFields = """
        id, "ownerId", "ownerName", title, description, category, refund, status, "assigneeId", "createdAt", \
        "updatedAt", version
        """
    static let jsonRecord = """
        id uuid, "ownerId" text, "ownerName" text, title text, description text, category text, refund jsonb, \
        status text, "assigneeId" text, "createdAt" timestamptz, "updatedAt" timestamptz, version int4
        """
    static let upsertUpdate = """
        title = EXCLUDED.title, description = EXCLUDED.description, category = EXCLUDED.category, \
        refund = EXCLUDED.refund, status = EXCLUDED.status, assignee_id = EXCLUDED.assignee_id, \
        updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
        """
}
