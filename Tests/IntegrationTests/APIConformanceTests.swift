import Foundation
import Testing

extension Integration {
    /// Schemathesis, an outside tool, generates requests from `/openapi.json` — valid and invalid
    /// bodies, headers and paths, unsupported methods, missing tokens — against the ingress on a
    /// real socket with a dispatcher behind it, and finds no answer that disagrees with the
    /// document: no 5xx, no undocumented status or header, no body off its schema, no
    /// schema-invalid request accepted or schema-valid one refused.
    @Suite struct APIConformanceTests {
        static let port = 18_445

        @Test func theAPIKeepsToItsDocument() async throws {
            try await TestSystem.run { system in
                try await system.withLiveIngress(port: Self.port) {
                    // The client opens and reads tickets; the manager lists administrators.
                    try await Self.schemathesis(token: try await system.token("ada"), "--exclude-operation-id")
                    try await Self.schemathesis(token: try await system.token("max"), "--include-operation-id")
                }
            }
        }

        /// Runs schemathesis with `token`, including or excluding (`filter`) the administrator listing.
        static func schemathesis(token: String, _ filter: String) async throws {
            let environment = TestEnvironment.environment
            guard let python = environment["SOPZ_TEST_PYTHON"], let tools = environment["SOPZ_TEST_TOOLS"],
                let caFile = environment["SOPZ_TLS_CA"]
            else { throw TestEnvironment.Missing() }
            var arguments = [
                "-m", "schemathesis.cli", "run", "https://localhost:\(port)/openapi.json", "--tls-verify", caFile,
                "--header", "Authorization: Bearer \(token)", "--checks", "all", "--max-examples", "25",
                "--seed", "20261202", "--workers", "2", "--no-color",
            ]
            // Not the stateful phase: it follows links from a 202 as if the ticket existed at once,
            // but 202 means queued — the ticket exists once its command is done.
            arguments += [filter, "listAdministrators", "--phases", "examples,coverage,fuzzing"]
            // The live stream never ends by itself; LiveStreamTests read it with a real client.
            arguments += ["--exclude-operation-id", "streamLive"]
            var settings = environment
            settings["SCHEMATHESIS_HOOKS"] = "schemathesis_hooks"
            settings["PYTHONPATH"] = tools
            let (status, output) = try await runToCompletion(
                python, arguments, environment: settings, withErrors: true)
            #expect(status == 0, "schemathesis found a disagreement:\n\(output)")
        }
    }
}
