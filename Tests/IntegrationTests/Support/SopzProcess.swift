import Foundation

/// A Sopz executable (`SOPZ_TEST_BIN`) in its own process, with the test environment plus
/// `extra` settings: for tests that kill a part, or run it exactly as an operator would.
struct SopzProcess: Sendable {
    let process: Process

    static func start(_ executable: String, extra: [String: String] = [:]) throws -> SopzProcess {
        guard let folder = TestEnvironment.environment["SOPZ_TEST_BIN"] else { throw TestEnvironment.Missing() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: folder).appendingPathComponent(executable)
        var environment = TestEnvironment.environment
        environment["LLVM_PROFILE_FILE"] = "/dev/null"
        environment["SOPZ_LOG_LEVEL"] = "error"
        process.environment = environment.merging(extra) { $1 }
        try process.run()
        return SopzProcess(process: process)
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
