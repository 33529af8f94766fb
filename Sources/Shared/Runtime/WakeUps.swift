import ServiceLifecycle

/// The loop of a process that drains work others announce (the outbox relay, the projector):
/// `drain` runs after every notification and every `pollInterval` (in case one was missed or the
/// work was not ready yet), each time `gatherDelay` after the wake-up so that a burst of commits
/// is drained in one go; wake-ups arriving while it runs collapse into one more run. Returns at
/// graceful shutdown.
public func drainOnWakeUps(
    _ notifications: AsyncStream<String>, pollInterval: Duration, gatherDelay: Duration,
    drain: @escaping @Sendable () async -> Void
) async {
    let (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    await withTaskGroup(of: Void.self) { group in
        group.addTask {
            for await _ in notifications.cancelOnGracefulShutdown() { wake.yield() }
            wake.finish()
        }
        group.addTask {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                wake.yield()
                try? await Task.sleep(for: pollInterval)
            }
            wake.finish()
        }
        group.addTask {
            for await _ in wakeUps.cancelOnGracefulShutdown() {
                try? await Task.sleep(for: gatherDelay)
                await drain()
            }
        }
        await group.waitForAll()
    }
}

/// Runs `work` now and then every `interval` until graceful shutdown (or cancellation); the wait
/// between runs ends with a graceful shutdown, so SIGTERM never waits out the interval.
public func repeatUntilShutdown(every interval: Duration, _ work: () async -> Void) async {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        await work()
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
    }
}
