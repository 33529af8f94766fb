import Foundation
import SopzRuntime
import Testing

/// `k8s/server-tls.yaml` gives the operator's RabbitMQ and PostgreSQL the policy the code has.
@Suite struct ServerTLSManifestTests {
    static let manifest = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../k8s/server-tls.yaml")

    @Test func listsThePolicysSuites() throws {
        let lines = try String(contentsOf: Self.manifest, encoding: .utf8).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let rabbit = lines.filter { $0.hasPrefix("ssl_options.ciphers.") }.map { $0.components(separatedBy: " = ")[1] }
        #expect(rabbit == TLSPolicy.tls13CipherSuites + TLSPolicy.tls12CipherSuites)
        let postgres = try #require(lines.first { $0.hasPrefix("ssl_ciphers = ") })
        #expect(postgres == "ssl_ciphers = '\(TLSPolicy.tls12CipherSuites.joined(separator: ":"))'")
    }
}
