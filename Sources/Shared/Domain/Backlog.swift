import Foundation

/// Tickets waiting for an administrator, in the order they were opened. Assignment takes them
/// from the front, one after another — after a mass sign-in or a capacity raise a batch may take
/// thousands — so taking the first and asking whether one is waiting cost O(1); only a ticket
/// leaving from the middle (cancelled while waiting, assigned by hand) or one handed back (placed
/// among those opened at its time) costs a scan, at most one per command.
public struct Backlog: Sendable, Sequence {
    private var ids: [TicketID]
    /// Where the waiting ones start in `ids`: those before it were taken.
    private var start = 0
    private var waiting: Set<TicketID>

    public init(_ ids: [TicketID] = []) {
        self.ids = ids
        waiting = Set(ids)
    }

    /// The oldest waiting ticket.
    public var first: TicketID? { start < ids.count ? ids[start] : nil }
    public var count: Int { ids.count - start }
    public var isEmpty: Bool { count == 0 }
    /// Every waiting ticket, oldest first.
    public var all: [TicketID] { Array(ids[start...]) }

    public func contains(_ id: TicketID) -> Bool { waiting.contains(id) }

    /// The waiting tickets, oldest first, without copying them.
    public func makeIterator() -> ArraySlice<TicketID>.Iterator { ids[start...].makeIterator() }

    mutating func remove(_ id: TicketID) {
        guard waiting.remove(id) != nil else { return }
        if ids[start] == id {
            start += 1
        } else if let index = ids[start...].firstIndex(of: id) {
            ids.remove(at: index)
        }
        if start > 1_024, start * 2 > ids.count {  // let go of what was taken, now and then
            ids.removeFirst(start)
            start = 0
        }
    }

    /// Adds a ticket in the order of opening: after every one opened before or with it.
    mutating func insert(_ id: TicketID, openedAt: Date, openingOf: (TicketID) -> Date) {
        guard waiting.insert(id).inserted else { return }
        if let last = ids.last, start < ids.count, openingOf(last) > openedAt,
            let index = ids[start...].firstIndex(where: { openingOf($0) > openedAt })
        {
            ids.insert(id, at: index)
        } else {
            ids.append(id)
        }
    }
}
