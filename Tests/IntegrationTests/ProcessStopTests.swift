import Foundation
import NIOHTTP1
import SopzTestSupport
import Testing

extension Integration {
    /// A process that never got going still stops: the real `sopz-dispatcher`, whose database does
    /// not answer, stops cleanly on SIGTERM (it used to wait for its schema for ever), and one whose
    /// metrics port is taken exits at once instead of hanging. Meanwhile it says it is alive but
    /// not ready.
    @Suite struct ProcessStopTests {
        static let metricsPort = 19_131

        @Test(.timeLimit(.minutes(1))) func aDispatcherWithoutItsDatabaseStopsOnSIGTERM() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                let away = [
                    "SOPZ_DATABASE_URL": "postgres://sopz:x@localhost:1/sopz?sslmode=verify-full",
                    "SOPZ_METRICS_ADDRESS": "127.0.0.1:\(Self.metricsPort)",
                ]
                let dispatcher = try ChildProcess.start("sopz-dispatcher", extra: away)
                defer { dispatcher.kill() }
                try await eventually(interval: .milliseconds(100), "the dispatcher is up, waiting for its database") {
                    (try? await OperationsScrape.get("/healthz", port: Self.metricsPort, settings: system.settings))?.0
                        == .ok
                }
                // Alive but not ready: a rolling update would not stop the replica it replaces.
                let readiness = try await OperationsScrape.get(
                    "/readyz", port: Self.metricsPort, settings: system.settings)
                #expect(readiness.0 == .serviceUnavailable)

                let second = try ChildProcess.start("sopz-dispatcher", extra: away)
                defer { second.kill() }
                let exiting = ContinuousClock.now
                second.process.waitUntilExit()  // its metrics port is the first one's
                // A clean exit with status 1 and the reason on stderr, not a trap.
                #expect(second.process.terminationReason == .exit)
                #expect(second.process.terminationStatus == 1)
                #expect(ContinuousClock.now - exiting < .seconds(15))

                let stopping = ContinuousClock.now
                #expect(dispatcher.terminate() == 0)
                #expect(ContinuousClock.now - stopping < .seconds(15))
            }
        }
    }
}
