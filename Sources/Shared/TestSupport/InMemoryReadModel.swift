import Foundation
import SopzContract
import SopzDomain
import SopzPorts

/// The in-memory write model doubles as a read model that is never behind: the HTTP edge's
/// tests read what they wrote at once. Filters, orders and pages as `ReadModelStore` does (text
/// search is a plain case-insensitive match here; stemming is PostgreSQL's and tested there).
extension InMemoryWriteModel: ReadModelReading {
    public func tickets(_ query: TicketQuery) async throws -> Page<Ticket> {
        let messages = events.compactMap { event -> Message? in
            if case .messagePosted(let message) = event.change { return message }
            return nil
        }
        let key = { (ticket: Ticket) in
            Self.orderKey(query.order == .created ? ticket.createdAt : ticket.updatedAt)
        }
        let selected = tickets.filter { ticket in
            guard query.ownerID.map({ $0 == ticket.ownerID }) ?? true,
                query.statuses.isEmpty || query.statuses.contains(ticket.status),
                query.category.map({ $0 == ticket.category }) ?? true,
                query.createdFrom.map({ ticket.createdAt >= $0 }) ?? true,
                query.createdBefore.map({ ticket.createdAt < $0 }) ?? true
            else { return false }
            switch query.assignee {
            case .anyone: break
            case .none: if ticket.assigneeID != nil { return false }
            case .administrator(let id): if ticket.assigneeID != id { return false }
            }
            if let text = query.text?.lowercased() {
                let texts =
                    [ticket.title, ticket.description] + messages.filter { $0.ticketId == ticket.id }.map(\.body)
                if !texts.contains(where: { $0.lowercased().contains(text) }) { return false }
            }
            if let cursor = query.cursor, (key(ticket), ticket.id.description) >= (cursor.keys[0], cursor.keys[1]) {
                return false
            }
            return true
        }.sorted { (key($0), $0.id.description) > (key($1), $1.id.description) }
        let page = Array(selected.prefix(query.limit))
        let next =
            selected.count > query.limit ? page.last.map { ListCursor(keys: [key($0), $0.id.description]) } : nil
        return Page(items: page, nextCursor: next?.text)
    }

    public func messages(of id: TicketID, after: UUID?, limit: Int) async throws -> MessagePage? {
        let messages = events.compactMap { event -> Message? in
            if case .messagePosted(let message) = event.change, message.ticketId == id { return message }
            return nil
        }
        var remaining = messages[...]
        if let after {
            guard let index = messages.firstIndex(where: { $0.messageId == after }) else { return nil }
            remaining = messages[(index + 1)...]
        }
        return MessagePage(messages: Array(remaining.prefix(limit)), more: remaining.count > limit)
    }

    public func history(of id: TicketID, afterVersion: Int, limit: Int) async throws -> [HistoryEntry] {
        events.filter { $0.ticketID == id && $0.version > afterVersion }.prefix(limit).map {
            HistoryEntry(
                eventId: $0.id, version: $0.version, actorId: $0.actorID, occurredAt: $0.occurredAt, change: $0.change)
        }
    }

    /// Positions are the events' places in the order they were appended, from 1.
    public func feed(after position: Int64, limit: Int) async throws -> [FeedEntry] {
        let all = events
        let owners = Dictionary(tickets.map { ($0.id, $0.ownerID) }) { first, _ in first }
        return all.enumerated().dropFirst(Int(position)).prefix(limit).map { index, event in
            FeedEntry(
                position: Int64(index + 1), ticketId: event.ticketID, ownerID: owners[event.ticketID] ?? "",
                entry: HistoryEntry(
                    eventId: event.id, version: event.version, actorId: event.actorID, occurredAt: event.occurredAt,
                    change: event.change))
        }
    }

    public func feedHead() async throws -> Int64 { Int64(events.count) }

    /// Ordered and paged as PostgreSQL's is (by name, then id).
    public func administrators(limit: Int, after cursor: ListCursor?) async throws -> Page<Administrator> {
        let sorted = directory.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
        let remaining = sorted.filter { administrator in
            guard let cursor else { return true }
            return (administrator.name, administrator.id) > (cursor.keys.first ?? "", cursor.keys.last ?? "")
        }
        let items = Array(remaining.prefix(limit))
        let next = remaining.count > limit ? items.last.map { ListCursor(keys: [$0.name, $0.id]).text } : nil
        return Page(items: items, nextCursor: next)
    }

    /// The same figures as `ReadModelStore`'s, from the tickets and events in memory.
    public func statistics(_ period: StatisticsPeriod) async throws -> Statistics {
        let tickets = self.tickets
        let opened = Dictionary(tickets.map { ($0.id, $0.createdAt) }) { first, _ in first }
        let resolutions = events.filter { event in
            guard case .resolved = event.change else { return false }
            return event.occurredAt >= period.from
        }
        let waiting = tickets.filter { $0.status == .new && $0.assigneeID == nil }
        var loads = Dictionary(
            directory.map {
                ($0.id, Statistics.Load(administratorId: $0.id, name: $0.name, available: $0.available, load: 0))
            }
        ) { first, _ in first }
        for ticket in tickets where TicketStatus.inHand.contains(ticket.status) {
            guard let id = ticket.assigneeID else { continue }
            let known = loads[id] ?? .init(administratorId: id, name: id, available: false, load: 0)
            loads[id] = .init(
                administratorId: id, name: known.name, available: known.available, load: known.load + 1)
        }
        let created = Dictionary(grouping: tickets.filter { $0.createdAt >= period.from }) {
            StatisticsPeriod.name(of: $0.createdAt)
        }
        let resolved = Dictionary(grouping: resolutions) { StatisticsPeriod.name(of: $0.occurredAt) }
        return Statistics(
            byStatus: Dictionary(grouping: tickets, by: \.status).mapValues(\.count),
            backlog: .init(size: waiting.count, oldestCreatedAt: waiting.map(\.createdAt).min(), now: period.now),
            administrators: loads.values.sorted {
                ($1.load, $0.name, $0.administratorId) < ($0.load, $1.name, $1.administratorId)
            },
            resolution: .init(
                durations: resolutions.compactMap { event in
                    opened[event.ticketID].map { event.occurredAt.timeIntervalSince($0) }
                }),
            perDay: period.dayNames.map {
                .init(day: $0, created: created[$0]?.count ?? 0, resolved: resolved[$0]?.count ?? 0)
            },
            period: period)
    }

    /// A list position in `ReadModelStore`'s form (microseconds).
    static func orderKey(_ date: Date) -> String { JSONCoding.timestamp(date).dropLast() + "000Z" }
}
