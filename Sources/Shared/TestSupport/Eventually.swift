/// Waits until `condition` holds, looking every `interval` (sleeping in between, never spinning);
/// throws `TimedOut` after `timeout`. For conditions another task makes true — not a sleep
/// standing in for one.
public func eventually(
    timeout: Duration = .seconds(20), interval: Duration = .milliseconds(10), _ what: String,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: interval)
    }
    throw TimedOut(description: "timed out waiting until \(what)")
}

public struct TimedOut: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}
