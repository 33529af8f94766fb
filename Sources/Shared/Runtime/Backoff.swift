/// Capped exponential backoff with jitter: how long to wait before attempt n+1.
public struct Backoff: Sendable, Equatable {
    public var initial: Double
    public var maximum: Double
    public var multiplier: Double
    private(set) var attempt = 0

    public init(initial: Double = 0.1, maximum: Double = 5, multiplier: Double = 2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The delay (seconds) before the next attempt; grows until `maximum`. Jitter keeps many
    /// replicas from retrying in lock-step after a shared outage.
    public mutating func next(jitter: Double = Double.random(in: 0.8...1.2)) -> Double {
        let base = initial * pow(multiplier, Double(attempt))
        attempt += 1
        return min(maximum, base * jitter)
    }

    public mutating func reset() { attempt = 0 }

    private func pow(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(exponent) where result < 1e9 { result *= base }
        return result
    }
}
