import Foundation

/// Runs `executable` with `arguments` and stdin closed until it exits, without blocking a thread
/// meanwhile; returns its exit status and what it printed (standard output, and standard error
/// when `withErrors`). The output goes through a file, so a talkative tool never stalls on a
/// full pipe.
func runToCompletion(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, withErrors: Bool = false
) async throws -> (status: Int32, output: String) {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("sopz-run-\(UUID()).out")
    guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
        throw CocoaError(.fileWriteUnknown)
    }
    defer { try? FileManager.default.removeItem(at: file) }
    let output = try FileHandle(forWritingTo: file)
    defer { try? output.close() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = output
    process.standardError = withErrors ? output : FileHandle.nullDevice
    let status = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do { try process.run() } catch { continuation.resume(throwing: error) }
    }
    return (status, try String(contentsOf: file, encoding: .utf8))
}
