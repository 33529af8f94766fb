import Foundation

/// A process's `main`: an error that ends it (settings refused, a port already taken) becomes one
/// line on standard error and exit status 1 — what an operator's logs and Kubernetes expect —
/// instead of the runtime's trap and crash report ("Error raised at top level").
public enum ProcessMain {
    @MainActor public static func run(_ name: String, _ body: @MainActor () async throws -> Void) async {
        do {
            try await body()
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(1)
        }
    }
}
