import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOSSL
import SopzRuntime

/// Reads a consumer process's operations endpoint (`/metrics`, `/healthz`) as Prometheus and
/// the kubelet do: over HTTPS, trusting the test CA.
enum OperationsScrape {
    static func get(_ path: String, port: Int, settings: SharedSettings) async throws -> (HTTPResponseStatus, String) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(settings.caFile ?? "")
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            let response = try await http.execute(
                HTTPClientRequest(url: "https://localhost:\(port)\(path)"), timeout: .seconds(2))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            try await http.shutdown()
            return (response.status, body)
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// The value of the sample `series` (name and labels as exposed) in `exposition`, if present.
    static func value(of series: String, in exposition: String) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }
}
