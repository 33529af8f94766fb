import Foundation

/// When a webhook delivery that failed is tried again: soon at first, then further apart, for
/// about three days in all (the receiver's outage may last a weekend), each wait stretched or
/// shrunk at random by up to a fifth so that receivers coming back are not hit by every sender at
/// once. After the last attempt fails the delivery is given up (and stays in the log, replayable).
public enum DeliverySchedule {
    /// The waits before the second, third, … attempt: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h,
    /// 2 h, 4 h, 8 h, then 12 h five times — 15 attempts over 3 days 3 hours 42 minutes.
    public static let waits: [TimeInterval] = [
        5, 30, 120, 600, 1_800, 3_600, 7_200, 14_400, 28_800, 43_200, 43_200, 43_200, 43_200, 43_200,
    ]

    /// Attempts in all, the first included.
    public static var attempts: Int { waits.count + 1 }

    /// How much a wait varies either way.
    public static let jitter = 0.2

    /// The wait after attempt `attempt` (1 for the first) failed, with `random` in 0...1 placing it
    /// within the jitter; nil when it was the last.
    public static func wait(afterAttempt attempt: Int, random: Double) -> TimeInterval? {
        guard attempt >= 1, attempt <= waits.count else { return nil }
        return waits[attempt - 1] * (1 - jitter + 2 * jitter * min(max(random, 0), 1))
    }

    /// What a receiver's answer means for the delivery.
    public enum Verdict: Equatable, Sendable {
        /// 2xx: delivered.
        case delivered
        /// 410 Gone: the receiver says it will never want deliveries again; the subscription is disabled.
        case gone
        /// Anything else (another status, no answer, no connection): tried again later.
        case failed
    }

    /// The verdict on an HTTP status; nil (no answer at all) is a failure.
    public static func verdict(status: Int?) -> Verdict {
        switch status {
        case .some(200...299): .delivered
        case .some(410): .gone
        default: .failed
        }
    }
}
