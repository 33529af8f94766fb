import Foundation
import Logging
import PostgresNIO
import SopzContract
import SopzDomain
import SopzPorts
import SopzRuntime

/// The API's queries, on the read database the projector writes (`PostgresProjectionStore`).
public struct ReadModelStore: ReadModelReading {
    /// Channel the projector notifies after each step that applied events.
    public static let projectedChannel = "sopz_projected"

    let reads: BoundedReads

    public init(client: PostgresClient, logger: Logger, timeout: Duration = .seconds(2)) {
        reads = BoundedReads(client: client, logger: logger, timeout: timeout)
    }

    public func ticket(_ id: TicketID) async throws -> Ticket? {
        try await reads.run { client, logger in
            try await client.execute(TicketViews(ids: [id.rawValue]), logger: logger).all().first
                .flatMap(TicketRows.ticket(from:))
        }
    }

    public func tickets(_ query: TicketQuery) async throws -> Page<Ticket> {
        let statement = TicketList(query)
        let rows = try await reads.run { client, logger in
            try await client.query(statement.sql, logger: logger).collect()
        }
        var tickets: [(ticket: Ticket, key: String)] = []
        for row in rows {
            guard let ticket = try TicketRows.ticket(from: row) else { continue }
            tickets.append((ticket, try PostgresRandomAccessRow(row)["order_key"].decode(String.self)))
        }
        let page = tickets.prefix(query.limit)
        let next =
            tickets.count > query.limit ? page.last.map { ListCursor(keys: [$0.key, $0.ticket.id.description]) } : nil
        return Page(items: page.map(\.ticket), nextCursor: next?.text)
    }

    public func messages(of id: TicketID, after: UUID?, limit: Int) async throws -> MessagePage? {
        let rows = try await reads.run { client, logger in
            try await client.query(
                """
                WITH start AS (
                    SELECT coalesce(
                        (SELECT version FROM ticket_messages WHERE ticket_id = \(id.rawValue) AND id = \(after)),
                        CASE WHEN \(after)::uuid IS NULL THEN 0 END) AS version
                )
                SELECT m.id, m.author_id, m.author_name, m.author_role, m.body, m.posted_at, start.version AS start
                FROM start LEFT JOIN LATERAL (
                    SELECT * FROM ticket_messages
                    WHERE ticket_id = \(id.rawValue) AND version > start.version
                    ORDER BY version LIMIT \(limit + 1)
                ) AS m ON true
                """, logger: logger
            ).collect()
        }
        guard let first = rows.first, try PostgresRandomAccessRow(first)["start"].decode(Int?.self) != nil else {
            return nil
        }
        var messages: [Message] = []
        for row in rows {
            let (messageID, authorID, authorName, role, body, postedAt, _) = try row.decode(
                (UUID?, String?, String?, String?, String?, Date?, Int?).self)
            guard let messageID, let authorID, let authorName, let role, let body, let postedAt else { continue }
            messages.append(
                Message(
                    messageId: messageID, ticketId: id, authorId: authorID, authorName: authorName,
                    authorRole: Message.AuthorRole(rawValue: role) ?? .system, body: body, postedAt: postedAt))
        }
        return MessagePage(messages: Array(messages.prefix(limit)), more: messages.count > limit)
    }

    public func history(of id: TicketID, afterVersion: Int, limit: Int) async throws -> [HistoryEntry] {
        let rows = try await reads.run { client, logger in
            try await client.query(
                """
                SELECT event_id, version, type, actor_id, occurred_at, data::text FROM ticket_history
                WHERE ticket_id = \(id.rawValue) AND version > \(afterVersion)
                ORDER BY version LIMIT \(limit)
                """, logger: logger
            ).collect()
        }
        return try rows.map { row in
            let (eventID, version, type, actor, occurredAt, data) = try row.decode(
                (UUID, Int, String, String, Date, String).self)
            return HistoryEntry(
                eventId: eventID, version: version, actorId: actor, occurredAt: occurredAt,
                change: try EventCatalogue.change(named: type, data: Data(data.utf8)))
        }
    }
}

extension ReadModelStore {
    public func feed(after position: Int64, limit: Int) async throws -> [FeedEntry] {
        let rows = try await reads.run { client, logger in
            try await client.query(
                """
                SELECT h.position, h.ticket_id, v.owner_id, h.event_id, h.version, h.type, h.actor_id, h.occurred_at,
                    h.data::text
                FROM ticket_history h JOIN ticket_views v ON v.id = h.ticket_id
                WHERE h.position > \(position)
                ORDER BY h.position LIMIT \(limit)
                """, logger: logger
            ).collect()
        }
        return try rows.map { row in
            let (position, ticketID, owner, eventID, version, type, actor, occurredAt, data) = try row.decode(
                (Int64, UUID, String, UUID, Int, String, String, Date, String).self)
            return FeedEntry(
                position: position, ticketId: TicketID(ticketID), ownerID: owner,
                entry: HistoryEntry(
                    eventId: eventID, version: version, actorId: actor, occurredAt: occurredAt,
                    change: try EventCatalogue.change(named: type, data: Data(data.utf8))))
        }
    }

    public func feedHead() async throws -> Int64 {
        try await reads.run { client, logger in
            for try await head in try await client.query(
                "SELECT coalesce(max(position), 0)::int8 FROM ticket_history", logger: logger
            ).decode(Int64.self) { return head }
            return 0
        }
    }
}

/// The list query a `TicketQuery` asks for. Every value it carries is bound as a parameter,
/// never spliced into the text; only the fixed column names of the order are. One row more
/// than the page is asked for: its presence means there is a next page.
struct TicketList {
    let sql: PostgresQuery

    init(_ query: TicketQuery) {
        var binds = PostgresBindings()
        func bound(_ value: some PostgresDynamicTypeEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        let order = query.order == .created ? "v.created_at" : "v.updated_at"
        var conditions: [String] = []
        if let owner = query.ownerID { conditions.append("v.owner_id = \(bound(owner))") }
        if !query.statuses.isEmpty {
            conditions.append("v.status = ANY(\(bound(query.statuses.map(\.rawValue).sorted()))::text[])")
        }
        switch query.assignee {
        case .anyone: break
        case .none: conditions.append("v.assignee_id IS NULL")
        case .administrator(let id): conditions.append("v.assignee_id = \(bound(id))")
        }
        if let category = query.category { conditions.append("v.category = \(bound(category))") }
        if let from = query.createdFrom { conditions.append("v.created_at >= \(bound(from))") }
        if let before = query.createdBefore { conditions.append("v.created_at < \(bound(before))") }
        if let text = query.text {
            let words = "websearch_to_tsquery('russian', \(bound(text)))"
            conditions.append(
                """
                (v.search @@ \(words) OR EXISTS (
                    SELECT 1 FROM ticket_messages m WHERE m.ticket_id = v.id AND m.search @@ \(words)))
                """)
        }
        if let cursor = query.cursor, let key = cursor.keys.first, let id = cursor.keys.last.flatMap(UUID.init) {
            conditions.append("(\(order), v.id) < (\(bound(key))::timestamptz, \(bound(id)))")
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        sql = PostgresQuery(
            unsafeSQL: """
                SELECT \(TicketRows.columns(of: "v")),
                    to_char(\(order) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS order_key
                FROM ticket_views v \(filter)
                ORDER BY \(order) DESC, v.id DESC
                LIMIT \(bound(Int64(query.limit + 1)))
                """, binds: binds)
    }
}
