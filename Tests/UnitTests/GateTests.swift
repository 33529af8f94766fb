import Logging
import ServiceLifecycle
import SopzRuntime
import SopzTestSupport
import Testing

/// The latch services wait on for their schema: it lets them go when it opens, and lets them
/// stop when a graceful shutdown comes first (a dispatcher whose database never answered must
/// still stop on SIGTERM).
@Suite(.timeLimit(.minutes(1))) struct GateTests {
    struct Waits: Service {
        let gate: Gate
        let started: Gate
        let opened: @Sendable (Bool) -> Void
        func run() async throws {
            started.open()
            opened(await gate.waitUnlessShuttingDown())
        }
    }

    @Test func openingLetsEveryWaiterGoOnAndLaterOnesPassAtOnce() async {
        let gate = Gate()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { await gate.wait() } }
            gate.open()
            await group.waitForAll()
        }
        await gate.wait()
        #expect(gate.isOpen)
    }

    @Test func aCancelledWaiterGoesOnWhileTheGateStaysShut() async {
        let gate = Gate()
        let waiter = Task { await gate.wait() }
        waiter.cancel()
        await waiter.value
        #expect(!gate.isOpen)
    }

    @Test func aGracefulShutdownEndsTheWaitWithFalse() async throws {
        let (gate, started) = (Gate(), Gate())
        let result = Locked<Bool?>(nil)
        let group = ServiceGroup(
            services: [Waits(gate: gate, started: started, opened: { result.set($0) })], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await started.wait()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(result.value == false)
    }
}
