import Foundation
import SopzRuntime
import Testing

extension Integration {
    /// The rules of k8s/monitoring/rules.yaml against a real Prometheus (Debian's) scraping the
    /// real executables and RabbitMQ over HTTPS while a ticket is opened: every target up, every
    /// rule evaluated without error, every recorded SLI series with data, every alert a valid
    /// query, no process reported missing, and every panel of the Grafana dashboard returning data
    /// (scripts/testing/prometheus_check.py).
    @Suite struct MonitoringTests {
        static let (apiPort, issuerPort) = (18_643, 18_644)
        static let (dispatcherPort, notifierPort, projectorPort, prometheusPort) = (19_121, 19_122, 19_123, 19_190)

        @Test(.timeLimit(.minutes(3))) func theRulesHoldAgainstTheRunningSystem() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                var consumers: [ChildProcess] = []
                defer { consumers.forEach { $0.kill() } }
                for (name, port) in [
                    ("sopz-dispatcher", Self.dispatcherPort), ("sopz-notifier", Self.notifierPort),
                    ("sopz-projector", Self.projectorPort),
                ] {
                    consumers.append(try ChildProcess.start(name, extra: ["SOPZ_METRICS_ADDRESS": "127.0.0.1:\(port)"]))
                }
                try await IngressProcess.with(
                    apiPort: Self.apiPort, issuerPort: Self.issuerPort, settings: system.settings
                ) { ingress in
                    try TestEnvironment.servers(
                        "start-prometheus", "test", "\(Self.prometheusPort)", "\(Self.apiPort)",
                        "\(Self.dispatcherPort)", "\(Self.notifierPort)", "\(Self.projectorPort)", "1s")
                    defer { try? TestEnvironment.servers("stop-prometheus", "test") }
                    let ada = try await ingress.token("ada")
                    let created = try await ingress.call(
                        "/api/v1/tickets", token: ada, body: #"{"title":"Watched","description":"by Prometheus"}"#)
                    #expect(created.status == 201)
                    #expect(try await ingress.call("/api/v1/tickets?limit=5", token: ada).status == 200)
                    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                        .deletingLastPathComponent()
                    let check = try ChildProcess.testTool(
                        "prometheus_check.py",
                        arguments: [
                            "https://localhost:\(Self.prometheusPort)", try #require(system.settings.caFile),
                            root.appendingPathComponent("k8s/monitoring/rules.yaml").path, "90",
                            root.appendingPathComponent("k8s/monitoring/dashboards/sopz-overview.json").path,
                        ])
                    check.process.waitUntilExit()
                    #expect(check.process.terminationStatus == 0)
                }
                for consumer in consumers { #expect(consumer.terminate() == 0) }
            }
        }
    }
}
