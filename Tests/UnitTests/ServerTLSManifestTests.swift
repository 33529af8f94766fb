import Foundation
import SopzRuntime
import Testing

/// The operators' RabbitMQ (`k8s/base/rabbitmq.yaml`) and PostgreSQL (`k8s/base/postgres.yaml`)
/// get the TLS policy the code has.
@Suite struct ServerTLSManifestTests {
    static func lines(_ file: String) throws -> [String] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../k8s/base/\(file)")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test func rabbitMQListsThePolicysSuitesOnEveryListener() throws {
        let lines = try Self.lines("rabbitmq.yaml")
        for listener in ["ssl_options", "prometheus.ssl"] {
            let suites = lines.filter { $0.hasPrefix("\(listener).ciphers.") }.map {
                $0.components(separatedBy: " = ")[1]
            }
            #expect(suites == TLSPolicy.tls13CipherSuites + TLSPolicy.tls12CipherSuites, "\(listener)")
            #expect(lines.contains("\(listener).versions.1 = tlsv1.3"))
            #expect(lines.contains("\(listener).versions.2 = tlsv1.2"))
            #expect(!lines.contains { $0.hasPrefix("\(listener).versions.3") })
        }
        #expect(lines.contains("disableNonTLSListeners: true"))
    }

    @Test func bothPostgreSQLClustersListThePolicysSuites() throws {
        let lines = try Self.lines("postgres.yaml")
        let expected = "ssl_ciphers: \"\(TLSPolicy.tls12CipherSuites.joined(separator: ":"))\""
        #expect(lines.filter { $0.hasPrefix("ssl_ciphers:") } == [expected, expected])
        #expect(lines.filter { $0 == "ssl_min_protocol_version: TLSv1.2" }.count == 2)
    }
}
