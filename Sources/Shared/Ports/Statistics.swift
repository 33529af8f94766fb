import Foundation
import SopzDomain

/// The days `GET /stats` looks back over: whole UTC days, the last of them today (so far).
public struct StatisticsPeriod: Sendable, Equatable {
    public static let defaultDays = 30
    public static let maximumDays = 366

    public let days: Int
    /// Midnight (UTC) starting the first day.
    public let from: Date
    /// When the statistics were asked for: the end of the last day counted.
    public let now: Date

    public init(days: Int, now: Date) {
        self.days = days
        self.now = now
        let today = Self.calendar.startOfDay(for: now)
        from = Self.calendar.date(byAdding: .day, value: 1 - days, to: today) ?? today
    }

    /// Each day of the period, oldest first, as `YYYY-MM-DD`.
    public var dayNames: [String] {
        (0..<days).compactMap { offset in
            Self.calendar.date(byAdding: .day, value: offset, to: from).map(Self.name(of:))
        }
    }

    /// The UTC day `date` falls on, as `YYYY-MM-DD`.
    public static func name(of date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return calendar
    }()
}

/// What `GET /stats` shows staff about the help desk, from the read model, as one snapshot.
public struct Statistics: Sendable, Equatable, Encodable {
    /// Tickets in each status now (every status, zero included).
    public var byStatus: [TicketStatus: Int]
    public var backlog: Backlog
    /// Every administrator the help desk knows, and anyone else holding tickets: most loaded first.
    public var administrators: [Load]
    /// How long tickets resolved in the period took, from opening to resolution.
    public var resolution: Resolution
    /// Tickets opened and resolutions, per UTC day of the period, oldest first.
    public var perDay: [Day]
    public var period: Period

    public init(
        byStatus: [TicketStatus: Int], backlog: Backlog, administrators: [Load], resolution: Resolution,
        perDay: [Day], period: StatisticsPeriod
    ) {
        self.byStatus = Dictionary(uniqueKeysWithValues: TicketStatus.allCases.map { ($0, byStatus[$0] ?? 0) })
        self.backlog = backlog
        self.administrators = administrators
        self.resolution = resolution
        self.perDay = perDay
        self.period = Period(from: period.from, to: period.now, days: period.days)
    }

    /// Tickets waiting for an administrator.
    public struct Backlog: Sendable, Equatable, Encodable {
        public let size: Int
        /// When the ticket waiting longest was opened; nil when none waits.
        public let oldestCreatedAt: Date?
        /// How long it has waited.
        public let oldestWaitSeconds: Double?

        public init(size: Int, oldestCreatedAt: Date?, now: Date) {
            self.size = size
            self.oldestCreatedAt = oldestCreatedAt
            oldestWaitSeconds = oldestCreatedAt.map { max(0, now.timeIntervalSince($0)) }
        }

        private enum CodingKeys: String, CodingKey { case size, oldestCreatedAt, oldestWaitSeconds }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(size, forKey: .size)
            try container.encode(oldestCreatedAt, forKey: .oldestCreatedAt)  // null, not absent
            try container.encode(oldestWaitSeconds, forKey: .oldestWaitSeconds)
        }
    }

    /// The tickets in an administrator's hands (`TicketStatus.inHand`).
    public struct Load: Sendable, Equatable, Encodable {
        public let administratorId: String
        public let name: String
        public let available: Bool
        public let load: Int

        public init(administratorId: String, name: String, available: Bool, load: Int) {
            self.administratorId = administratorId
            self.name = name
            self.available = available
            self.load = load
        }
    }

    /// Each resolution in the period (a ticket reopened and resolved again counts twice), timed
    /// from when its ticket was opened; percentiles interpolated as PostgreSQL's `percentile_cont`.
    public struct Resolution: Sendable, Equatable, Encodable {
        public let resolved: Int
        public let p50Seconds: Double?
        public let p90Seconds: Double?

        public init(resolved: Int, p50Seconds: Double?, p90Seconds: Double?) {
            self.resolved = resolved
            self.p50Seconds = p50Seconds
            self.p90Seconds = p90Seconds
        }

        /// The resolution of these durations, in any order.
        public init(durations: [Double]) {
            let sorted = durations.sorted()
            self.init(
                resolved: sorted.count, p50Seconds: Self.percentile(0.5, of: sorted),
                p90Seconds: Self.percentile(0.9, of: sorted))
        }

        private enum CodingKeys: String, CodingKey { case resolved, p50Seconds, p90Seconds }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(resolved, forKey: .resolved)
            try container.encode(p50Seconds, forKey: .p50Seconds)  // null, not absent
            try container.encode(p90Seconds, forKey: .p90Seconds)
        }

        /// The `fraction` percentile of `sorted` with linear interpolation between neighbours.
        static func percentile(_ fraction: Double, of sorted: [Double]) -> Double? {
            guard let first = sorted.first else { return nil }
            let position = fraction * Double(sorted.count - 1)
            let lower = Int(position.rounded(.down))
            let upper = min(lower + 1, sorted.count - 1)
            let weight = position - Double(lower)
            return sorted.count == 1 ? first : sorted[lower] + (sorted[upper] - sorted[lower]) * weight
        }
    }

    public struct Day: Sendable, Equatable, Encodable {
        /// `YYYY-MM-DD` (UTC).
        public let day: String
        public let created: Int
        public let resolved: Int

        public init(day: String, created: Int, resolved: Int) {
            self.day = day
            self.created = created
            self.resolved = resolved
        }
    }

    public struct Period: Sendable, Equatable, Encodable {
        public let from: Date
        public let to: Date
        public let days: Int
    }

    private enum CodingKeys: String, CodingKey { case byStatus, backlog, administrators, resolution, perDay, period }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(
            Dictionary(uniqueKeysWithValues: byStatus.map { ($0.key.rawValue, $0.value) }), forKey: .byStatus)
        try container.encode(backlog, forKey: .backlog)
        try container.encode(administrators, forKey: .administrators)
        try container.encode(resolution, forKey: .resolution)
        try container.encode(perDay, forKey: .perDay)
        try container.encode(period, forKey: .period)
    }
}
