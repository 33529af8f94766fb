import Foundation
import HTTPTypes
import Hummingbird
import SopzContract
import SopzDomain
import SopzPorts

/// The ticket reads of `/api/v1`, all from the read model: the list, one ticket, its chat and
/// its history. Who may see a ticket is checked on the view itself (owner or staff; anyone else
/// gets 404), and a client's list is narrowed to their own tickets in the query.
struct TicketQueryRoutes: Sendable {
    let reads: ReadYourWrites

    func register(on api: RouterGroup<SopzRequestContext>) {
        api.on(AccessMatrix.listTickets, use: list)
        api.on(AccessMatrix.showTicket, use: show)
        api.on(AccessMatrix.listMessages, use: messages)
        api.on(AccessMatrix.showHistory, use: history)
    }

    /// GET /api/v1/tickets — newest first; clients see only their own.
    @Sendable func list(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let query = try TicketListParameters.query(request.uri.queryParameters, for: user)
        let page = try await Problem.unavailableUnless(reading: "tickets") {
            try await reads.readModel.tickets(query)
        }
        return try jsonResponse(page)
    }

    /// GET /api/v1/tickets/{id} — the ticket, if the caller may see it (else 404); with
    /// `minVersion`, at that version or later (read-your-writes).
    @Sendable func show(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let ticket = try await visibleTicket(request, context: context, user: user)
        let tag = TicketETag.value(of: ticket)
        if Self.matches(request.headers[.ifNoneMatch], tag) { return Self.notModified(tag) }
        return try jsonResponse(ticket, headers: [.eTag: tag])
    }

    /// GET /api/v1/tickets/{id}/messages — the chat in posting order, `after` a message the
    /// client has; its `ETag` lets a cache revalidate (`If-None-Match` → 304).
    @Sendable func messages(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let query = request.uri.queryParameters
        let limit = try Pagination.limit(query)
        var after: UUID?
        if let text = query["after"] {
            guard let id = UUID(uuidString: String(text)) else {
                throw Problem.badRequest(
                    "after must be the id of a message",
                    violations: [.init(field: "after", message: "not a message id")])
            }
            after = id
        }
        let ticket = try await visibleTicket(request, context: context, user: user)
        let page = try await Problem.unavailableUnless(reading: "messages") {
            try await reads.readModel.messages(of: ticket.id, after: after, limit: limit)
        }
        guard let page else {
            throw Problem.badRequest(
                "after names no message of this ticket", violations: [.init(field: "after", message: "unknown message")]
            )
        }
        let tag = "\"\(page.messages.last?.messageId.uuidString ?? "none")\(page.more ? "+" : "")\""
        if Self.matches(request.headers[.ifNoneMatch], tag) { return Self.notModified(tag) }
        let next = page.more ? page.messages.last?.messageId.uuidString : nil
        return try jsonResponse(Page(items: page.messages, nextCursor: next), headers: [.eTag: tag])
    }

    /// GET /api/v1/tickets/{id}/history — who did what and when, oldest first.
    @Sendable func history(_ request: Request, context: SopzRequestContext, user: User) async throws -> Response {
        let pagination = try Pagination(request, cursorKeys: 1)
        let afterVersion = try pagination.cursor.map { cursor -> Int in
            guard let version = cursor.keys.first.flatMap(Int.init), version >= 0 else {
                throw Problem.badRequest(
                    "cursor is not one this API handed out",
                    violations: [.init(field: "cursor", message: "unknown cursor")])
            }
            return version
        }
        let ticket = try await visibleTicket(request, context: context, user: user)
        let entries = try await Problem.unavailableUnless(reading: "history") {
            try await reads.readModel.history(
                of: ticket.id, afterVersion: afterVersion ?? 0, limit: pagination.limit + 1)
        }
        let page = entries.prefix(pagination.limit)
        let next = entries.count > pagination.limit ? page.last.map { ListCursor(keys: ["\($0.version)"]).text } : nil
        return try jsonResponse(Page(items: Array(page), nextCursor: next))
    }

    /// The view of the path's ticket when `user` may see it, at `minVersion` if asked; else 404.
    private func visibleTicket(_ request: Request, context: SopzRequestContext, user: User) async throws -> Ticket {
        guard let id = context.parameters.get("id").flatMap(TicketID.init) else { throw Problem.notFound("the ticket") }
        let minVersion = try TicketListParameters.minVersion(request.uri.queryParameters)
        guard let ticket = try await reads.ticket(id, minVersion: minVersion, for: user), ticket.isVisible(to: user)
        else {
            throw Problem.notFound("the ticket")
        }
        return ticket
    }

    /// RFC 9110 §13.1.2: `If-None-Match` lists `tag` (weakly compared) or is `*`.
    static func matches(_ ifNoneMatch: String?, _ tag: String) -> Bool {
        guard let ifNoneMatch else { return false }
        let strip = { (value: Substring) in
            value.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "")
        }
        return ifNoneMatch.split(separator: ",").contains { strip($0) == "*" || strip($0) == tag }
    }

    static func notModified(_ tag: String) -> Response {
        Response(status: .notModified, headers: [.eTag: tag])
    }
}

/// The query parameters of the reads, checked: anything malformed is a 400 naming the parameter.
enum TicketListParameters {
    static let maximumTextLength = 200

    /// `GET /tickets`' parameters as a query for `user`: clients only ever get their own tickets.
    static func query(_ parameters: Parameters, for user: User) throws -> TicketQuery {
        var query = try filters(parameters, for: user)
        query.limit = try Pagination.limit(parameters)
        if let text = parameters["cursor"] {
            guard let cursor = ListCursor(text: String(text), keyCount: 2), isOrderKey(cursor.keys[0]),
                UUID(uuidString: cursor.keys[1]) != nil
            else { throw invalid("cursor", "unknown cursor", detail: "cursor is not one this API handed out") }
            query.cursor = cursor
        }
        return query
    }

    /// The list's filters and order without its page (`limit`, `cursor`), as the export takes them.
    static func filters(_ parameters: Parameters, for user: User) throws -> TicketQuery {
        var query = TicketQuery()
        if !user.seesEveryTicket { query.ownerID = user.id }
        for text in parameters.getAll("status").flatMap({ $0.split(separator: ",") }) {
            guard let status = TicketStatus(rawValue: String(text)) else {
                throw invalid(
                    "status", "one of \(TicketStatus.allCases.map(\.rawValue).joined(separator: ", "))",
                    detail: "status \(String(text).debugDescription) does not exist")
            }
            query.statuses.insert(status)
        }
        switch try text(parameters, "assignee", maximumLength: 255) {
        case nil: break
        case "me": query.assignee = .administrator(user.id)
        case "none": query.assignee = .none
        case let id?: query.assignee = .administrator(id)
        }
        query.category = try text(parameters, "category", maximumLength: 64)
        query.createdFrom = try date(parameters, "createdFrom")
        query.createdBefore = try date(parameters, "createdBefore")
        // Blanks alone search for nothing in particular: no filter.
        query.text = try text(parameters, "q", maximumLength: maximumTextLength).flatMap {
            $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0
        }
        if let order = parameters["sort"].map(String.init) {
            guard let order = TicketQuery.Order(rawValue: order) else { throw invalid("sort", "created or updated") }
            query.order = order
        }
        return query
    }

    /// A text parameter of 1 to `maximumLength` characters (PostgreSQL text holds no NUL).
    static func text(_ parameters: Parameters, _ name: String, maximumLength: Int) throws -> String? {
        guard let text = parameters[Substring(name)].map(String.init) else { return nil }
        guard !text.isEmpty, text.count <= maximumLength, !text.unicodeScalars.contains("\u{0}") else {
            throw invalid(name, "1–\(maximumLength) characters, none of them NUL")
        }
        return text
    }

    /// `minVersion`: a positive version, or nil.
    static func minVersion(_ parameters: Parameters) throws -> Int? {
        guard let text = parameters["minVersion"] else { return nil }
        guard let version = Int(String(text)), (1...Int(Int32.max)).contains(version) else {
            throw invalid("minVersion", "a version from 1 to \(Int32.max)")
        }
        return version
    }

    /// A list position as `ReadModelStore` writes it: `2026-12-03T13:51:06.123456Z`.
    static func isOrderKey(_ key: String) -> Bool {
        let shape = Array("0000-00-00T00:00:00.000000Z")
        let key = Array(key)
        return key.count == shape.count
            && zip(key, shape).allSatisfy { character, expected in
                expected == "0" ? character.isASCII && character.isNumber : character == expected
            }
    }

    private static func date(_ parameters: Parameters, _ name: String) throws -> Date? {
        guard let text = parameters[Substring(name)].map(String.init) else { return nil }
        if let date = JSONCoding.date(from: text) { return date }
        throw invalid(name, "an RFC 3339 timestamp, such as 2026-12-01T00:00:00Z")
    }

    private static func invalid(_ field: String, _ message: String, detail: String? = nil) -> Problem {
        Problem.badRequest(detail ?? "\(field) must be \(message)", violations: [.init(field: field, message: message)])
    }
}
