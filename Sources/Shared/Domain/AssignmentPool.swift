import Foundation

/// The administrators tickets are assigned to, with what assignment needs to know of each: the
/// dispatcher loads and locks them for every batch, decisions change them, the batch writes them
/// back.
public struct AssignmentPool: Hashable, Sendable {
    /// Open tickets (`TicketStatus.inHand`) an administrator takes from the system at most; a
    /// manager may go beyond it only when asking to (`SOPZ_ASSIGNMENT_CAPACITY`).
    public let capacity: Int
    /// Twenty tickets in hand is a full day's queue for most help desks.
    public static let defaultCapacity = 20
    public private(set) var members: [String: Member]

    public struct Member: Hashable, Sendable {
        public let id: String
        public var name: String
        /// Unavailable administrators get no new tickets; their open ones stay theirs.
        public var available: Bool
        /// Tickets assigned to them and in hand.
        public var load: Int
        /// Ties in load go to whoever was given a ticket longest ago (never: first).
        public var lastAssignedAt: Date?
        public var lastSeenAt: Date

        public init(id: String, name: String, available: Bool, load: Int, lastAssignedAt: Date?, lastSeenAt: Date) {
            self.id = id
            self.name = name
            self.available = available
            self.load = load
            self.lastAssignedAt = lastAssignedAt
            self.lastSeenAt = lastSeenAt
        }
    }

    public init(capacity: Int, members: [Member]) {
        self.capacity = capacity
        self.members = Dictionary(uniqueKeysWithValues: members.map { ($0.id, $0) })
    }

    public func member(_ id: String) -> Member? { members[id] }

    /// Who the system gives the next ticket: the available administrator with the fewest tickets
    /// in hand, below capacity; ties to the one whose last assignment is oldest, then by id.
    public func nextAssignee() -> Member? {
        members.values.filter { $0.available && $0.load < capacity }.min { a, b in
            if a.load != b.load { return a.load < b.load }
            switch (a.lastAssignedAt, b.lastAssignedAt) {
            case (nil, nil): return a.id < b.id
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): return x != y ? x < y : a.id < b.id
            }
        }
    }

    /// Every member, by id (the order rows are written in).
    public var all: [Member] { members.values.sorted { $0.id < $1.id } }

    mutating func upsert(_ member: Member) { members[member.id] = member }

    /// Moves a ticket's weight from whoever carried it to whoever carries it now: a ticket counts
    /// towards its assignee's load while it is in hand. A new assignee's last assignment is `now`.
    mutating func account(before: Ticket?, after: Ticket, at now: Date) {
        if let before, let id = before.assigneeID, TicketStatus.inHand.contains(before.status) {
            members[id]?.load -= 1
        }
        if let id = after.assigneeID, TicketStatus.inHand.contains(after.status) {
            members[id]?.load += 1
        }
        if let id = after.assigneeID, id != before?.assigneeID { members[id]?.lastAssignedAt = now }
    }
}
