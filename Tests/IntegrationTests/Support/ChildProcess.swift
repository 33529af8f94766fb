import Foundation

/// A process a test starts: a Sopz executable (`SOPZ_TEST_BIN`) with the test environment plus
/// `extra` settings — for tests that kill a part, or run it exactly as an operator would — or a
/// test tool from `scripts/testing` run by the virtual environment's Python (`SOPZ_TEST_PYTHON`).
struct ChildProcess: Sendable {
    let process: Process

    static func start(_ executable: String, extra: [String: String] = [:]) throws -> ChildProcess {
        guard let folder = TestEnvironment.environment["SOPZ_TEST_BIN"] else { throw TestEnvironment.Missing() }
        var environment = TestEnvironment.environment
        environment["LLVM_PROFILE_FILE"] = "/dev/null"
        environment["SOPZ_LOG_LEVEL"] = "error"
        // No operations endpoint unless the test asks for one: processes started side by side
        // would all take the default port (and one of scripts/run's might hold it).
        environment["SOPZ_METRICS_ADDRESS"] = "127.0.0.1:0"
        // The notifier signs webhooks with it (outside dev mode it is required), as TestSystem's.
        environment["SOPZ_WEBHOOK_KEY"] = String(repeating: "5b", count: 32)
        return try run(
            URL(fileURLWithPath: folder).appendingPathComponent(executable), arguments: [],
            environment: environment.merging(extra) { $1 })
    }

    /// Runs `scripts/testing/<script>` with `arguments`.
    static func testTool(_ script: String, arguments: [String]) throws -> ChildProcess {
        guard let python = TestEnvironment.environment["SOPZ_TEST_PYTHON"],
            let tools = TestEnvironment.environment["SOPZ_TEST_TOOLS"]
        else { throw TestEnvironment.Missing() }
        return try run(
            URL(fileURLWithPath: python), arguments: [tools + "/" + script] + arguments,
            environment: TestEnvironment.environment)
    }

    private static func run(
        _ executable: URL, arguments: [String], environment: [String: String]
    ) throws
        -> ChildProcess
    {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        try process.run()
        return ChildProcess(process: process)
    }

    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, as Kubernetes stops a pod; returns the exit status once it has stopped.
    func terminate() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        Foundation.kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }
}
