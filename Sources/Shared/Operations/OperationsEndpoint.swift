import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import SopzRuntime

/// The HTTPS endpoint an operator's tools talk to in a consumer process: `GET /metrics` (the
/// process's Prometheus registry, text format), `GET /healthz` (alive) and `GET /readyz` (its
/// schemas are in place, so it is doing its work: a rolling update waits for it before stopping
/// the replica it replaces).
public enum OperationsEndpoint {
    /// The server as a service of the process's group, or nil — logged — when `settings` turn
    /// it off (port 0) or give it no certificate.
    public static func service(
        registry: PrometheusCollectorRegistry, settings: OperationsSettings, ready: [Gate], logger: Logger
    ) throws -> (any Service)? {
        guard settings.port != 0 else { return nil }
        guard let certificate = settings.certificateFile, let key = settings.keyFile else {
            logger.warning("no SOPZ_TLS_CERT and SOPZ_TLS_KEY: /metrics is not served (it is served over HTTPS only)")
            return nil
        }
        let router = Router()
        router.get("healthz") { _, _ in "ok" }
        router.get("readyz") { _, _ in
            Response(
                status: ready.allSatisfy(\.isOpen) ? .ok : .serviceUnavailable,
                headers: [.contentType: "text/plain; charset=utf-8"])
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: registry.exposition())))
        }
        return Application(
            router: router,
            server: try .tls(tlsConfiguration: TLSPolicy.server(certificateFile: certificate, keyFile: key)),
            configuration: .init(address: .hostname(settings.host, port: settings.port)),
            onServerRunning: { channel in
                logger.info(
                    "operations endpoint listening",
                    metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "")"])
            },
            logger: logger)
    }
}

extension PrometheusCollectorRegistry {
    /// Every metric in the Prometheus text format.
    public func exposition() -> String {
        var buffer: [UInt8] = []
        emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
