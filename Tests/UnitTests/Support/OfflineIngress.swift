import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import SopzRuntime

@testable import Ingress

/// The ingress's composition with settings that reach no server: for tests of what the HTTP
/// edge decides before anything is read or queued (nothing here connects until asked to).
enum OfflineIngress {
    static func core() throws -> IngressCore {
        let settings = try SharedSettings(environment: [:])
        let ingress = try IngressSettings(
            environment: [
                "SOPZ_TLS_CERT": "/c", "SOPZ_TLS_KEY": "/k", "SOPZ_OIDC_ISSUER": "https://issuer.invalid",
                "SOPZ_COMMAND_ID_SECRET": String(repeating: "01", count: 32),
                "SOPZ_WEBHOOK_KEY": String(repeating: "02", count: 32),
            ], shared: settings)
        return IngressCore.make(shared: settings, settings: ingress, logger: Logger(label: "test"))
    }

    /// Runs `body` with the router, then shuts the core's HTTP client down.
    static func withRouter<T>(_ body: (Router<SopzRequestContext>) async throws -> T) async throws -> T {
        let core = try core()
        defer { core.shutDownHTTPClient() }
        return try await body(buildRouter(core.dependencies))
    }
}

extension IngressCore {
    func shutDownHTTPClient() {
        for case let http as HTTPClientService in services { try? http.client.syncShutdown() }
    }
}
