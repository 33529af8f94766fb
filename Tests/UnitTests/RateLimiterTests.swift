import Testing

@testable import Ingress

/// The token bucket, on a clock the test controls.
@Suite struct RateLimiterTests {
    @Test func aBurstThenTheRefillRate() {
        let limiter = RateLimiter(perMinute: 60, burst: 2)  // one per second
        #expect(limiter.take(for: "u", now: 100).remaining == 1)
        #expect(limiter.take(for: "u", now: 100).admitted)
        let refused = limiter.take(for: "u", now: 100.25)
        #expect(!refused.admitted)
        #expect(refused.retryAfter == 1)
        #expect(refused.secondsToFull == 2)
        #expect(limiter.take(for: "u", now: 101.3).admitted)
        #expect(!limiter.take(for: "u", now: 101.4).admitted)
        // Idle time fills the bucket up to the burst, never beyond.
        #expect(limiter.take(for: "u", now: 500).remaining == 1)
    }

    @Test func usersHaveBucketsOfTheirOwn() {
        let limiter = RateLimiter(perMinute: 6, burst: 1)
        #expect(limiter.take(for: "a", now: 0).admitted)
        #expect(!limiter.take(for: "a", now: 1).admitted)
        #expect(limiter.take(for: "b", now: 1).admitted)
        #expect(limiter.take(for: "a", now: 1).retryAfter == 9)
    }

    @Test func memoryIsBoundedWithoutForgettingBusyUsers() {
        let limiter = RateLimiter(perMinute: 60, burst: 1, capacity: 2)
        #expect(limiter.take(for: "busy", now: 0).admitted)
        #expect(limiter.take(for: "idle", now: 0).admitted)
        // "idle" is full again at t=5 and may be forgotten; "busy" spends its token again.
        #expect(limiter.take(for: "busy", now: 4.5).admitted)
        #expect(limiter.take(for: "new", now: 5).admitted)
        #expect(!limiter.take(for: "busy", now: 5).admitted)
    }
}
