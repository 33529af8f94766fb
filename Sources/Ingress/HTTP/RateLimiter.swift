import Foundation
import Synchronization

/// A token bucket per user for commands: `burst` commands at once, refilled at
/// `perMinute / 60` per second. Each ingress replica keeps its own buckets, so the limit a user
/// meets is per replica (the Service spreads a user's connections).
final class RateLimiter: Sendable {
    /// What one request learns: admitted or not, and what to tell the client in headers.
    struct Decision: Equatable {
        let admitted: Bool
        /// Whole commands left in the bucket after this one.
        let remaining: Int
        /// Seconds until the next command would be admitted (0 when one would be now).
        let retryAfter: Int
        /// Seconds until the bucket is full again.
        let secondsToFull: Int
    }

    struct Bucket {
        var tokens: Double
        var updated: Double
    }

    let perMinute: Int
    let burst: Int
    private let buckets = Mutex<[String: Bucket]>([:])
    private let capacity: Int

    init(perMinute: Int, burst: Int, capacity: Int = 100_000) {
        self.perMinute = perMinute
        self.burst = burst
        self.capacity = capacity
    }

    private var refillPerSecond: Double { Double(perMinute) / 60 }

    /// Takes one token from `user`'s bucket at time `now` (seconds on a monotonic clock), if there is one.
    func take(for user: String, now: Double) -> Decision {
        buckets.withLock { buckets in
            var bucket = buckets[user] ?? Bucket(tokens: Double(burst), updated: now)
            bucket.tokens = min(Double(burst), bucket.tokens + max(0, now - bucket.updated) * refillPerSecond)
            bucket.updated = now
            let admitted = bucket.tokens >= 1
            if admitted { bucket.tokens -= 1 }
            if buckets[user] == nil, buckets.count >= capacity {
                // Full buckets carry no information (a new one starts full): forget them first;
                // if every bucket is in use, start afresh rather than grow without bound.
                let rate = refillPerSecond
                buckets = buckets.filter { _, old in old.tokens + (now - old.updated) * rate < Double(burst) }
                if buckets.count >= capacity { buckets.removeAll(keepingCapacity: true) }
            }
            buckets[user] = bucket
            let missing = Double(burst) - bucket.tokens
            return Decision(
                admitted: admitted, remaining: Int(bucket.tokens.rounded(.down)),
                retryAfter: admitted ? 0 : Int(((1 - bucket.tokens) / refillPerSecond).rounded(.up)),
                secondsToFull: Int((missing / refillPerSecond).rounded(.up)))
        }
    }

    /// Seconds on the monotonic clock.
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
