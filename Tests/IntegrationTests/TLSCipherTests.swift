import Foundation
import SopzRuntime
import Testing

extension Integration {
    /// Every TLS port — the ingress, the development issuer, RabbitMQ (AMQPS and its metrics),
    /// PostgreSQL — speaks TLS 1.2 or newer and accepts only forward-secret AEAD suites, tried one by
    /// one from the outside with OpenSSL's client.
    @Suite struct TLSCipherTests {
        static let ingressPort = 18_443

        struct Port: Sendable, CustomStringConvertible {
            let name: String
            let port: Int
            /// `openssl s_client -starttls` protocol, for servers that negotiate TLS inside their own.
            var startTLS: String? = nil
            var description: String { "\(name) (\(port))" }
        }

        @Test func onlyForwardSecretAEADSuitesAreAccepted() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                try await system.withLiveIngress(port: Self.ingressPort) {
                    let ports = [
                        Port(name: "ingress", port: Self.ingressPort),
                        Port(name: "development issuer", port: TestSystem.issuerPort),
                        Port(name: "RabbitMQ", port: system.settings.amqp.port),
                        Port(
                            name: "RabbitMQ's metrics",
                            port: Int(TestEnvironment.environment["SOPZ_TEST_RABBIT_METRICS_PORT"] ?? "") ?? 15_691),
                        Port(name: "PostgreSQL", port: system.settings.database.port, startTLS: "postgres"),
                    ]
                    let tls12 = try await Self.openSSLSuites()
                    #expect(tls12.contains("ECDHE-ECDSA-AES128-SHA"))  // the probe does offer CBC
                    // Of the policy, the ECDSA suites are the ones these certificates can use.
                    let expected12 = Set(TLSPolicy.tls12CipherSuites.filter { $0.hasPrefix("ECDHE-ECDSA-") })
                    let tls13 = TLSPolicy.tls13CipherSuites + ["TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"]
                    for port in ports {
                        let accepted12 = try await Self.accepted(tls12, on: port, version: "-tls1_2", option: "-cipher")
                        #expect(accepted12 == expected12, "TLS 1.2 on \(port)")
                        #expect(!accepted12.contains("ECDHE-ECDSA-AES128-SHA"), "a CBC-only client on \(port)")
                        let accepted13 = try await Self.accepted(
                            tls13, on: port, version: "-tls1_3", option: "-ciphersuites")
                        #expect(accepted13 == Set(TLSPolicy.tls13CipherSuites), "TLS 1.3 on \(port)")
                        let old = try await Self.accepted(["-tls1", "-tls1_1"], on: port, version: nil, option: nil)
                        #expect(old.isEmpty, "TLS 1.0 and 1.1 on \(port)")
                    }
                }
            }
        }

        /// Every TLS 1.2 suite the local OpenSSL can offer with ECDSA authentication (the servers'
        /// certificates are ECDSA, so no other suite can ever be negotiated), weak ones included:
        /// CBC with SHA-1 and SHA-2, CCM and CCM_8, ARIA, Camellia, NULL.
        static func openSSLSuites() async throws -> [String] {
            let (status, output) = try await run(["ciphers", "-tls1_2", "aECDSA:@SECLEVEL=0"])
            #expect(status == 0)
            return output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":").map(String.init)
                .filter { !$0.hasPrefix("TLS_") }
        }

        /// The suites of `suites` a handshake succeeds with, one client per suite (eight at a time).
        /// Without `option`, each of `suites` is a protocol version flag, tried with any suite.
        static func accepted(
            _ suites: [String], on port: Port, version: String?, option: String?
        ) async throws
            -> Set<String>
        {
            try await withThrowingTaskGroup(of: (String, Bool).self) { group in
                var accepted = Set<String>()
                for (index, suite) in suites.enumerated() {
                    if index >= 8, let (name, ok) = try await group.next(), ok { accepted.insert(name) }
                    group.addTask {
                        var arguments = ["s_client", "-connect", "127.0.0.1:\(port.port)"]
                        switch (version, option) {
                        case (let version?, "-cipher"?): arguments += [version, "-cipher", suite + ":@SECLEVEL=0"]
                        case (let version?, let option?): arguments += [version, option, suite]
                        default: arguments += [suite, "-cipher", "DEFAULT:@SECLEVEL=0"]
                        }
                        if let startTLS = port.startTLS { arguments += ["-starttls", startTLS] }
                        let (status, _) = try await run(arguments)
                        return (suite, status == 0)
                    }
                }
                for try await (name, ok) in group where ok { accepted.insert(name) }
                return accepted
            }
        }

        /// Runs `openssl` (at most 10 s: a server that never answers fails the probe, not the suite).
        static func run(_ arguments: [String]) async throws -> (Int32, String) {
            try await runToCompletion("/usr/bin/timeout", ["10", "openssl"] + arguments)
        }
    }
}
