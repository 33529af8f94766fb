import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import SopzRuntime
import SopzTestSupport

/// The real `sopz-ingress` executable in dev mode, on ports of its own, with an HTTPS client
/// that trusts the test CA: tokens from its development issuer, calls to its API.
final class IngressProcess: Sendable {
    let process: ChildProcess
    let client: HTTPClient
    let api: String
    let realm: String
    private let keyFile: String

    init(apiPort: Int, issuerPort: Int, settings: SharedSettings) throws {
        keyFile = NSTemporaryDirectory() + "sopz-dev-issuer-\(UUID()).pem"
        api = "https://localhost:\(apiPort)"
        realm = "https://localhost:\(issuerPort)/realms/sopz"
        process = try ChildProcess.start(
            "sopz-ingress",
            extra: [
                "SOPZ_DEV_MODE": "1", "SOPZ_HTTP_ADDRESS": "127.0.0.1:\(apiPort)",
                "SOPZ_DEV_ISSUER_ADDRESS": "127.0.0.1:\(issuerPort)", "SOPZ_OIDC_ISSUER": realm,
                "SOPZ_DEV_ISSUER_KEY_FILE": keyFile,
            ])
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(settings.caFile ?? "")
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    /// Runs `body` with the process started and ready; kills it and closes the client after.
    static func with(
        apiPort: Int, issuerPort: Int, settings: SharedSettings, _ body: (IngressProcess) async throws -> Void
    ) async throws {
        let ingress = try IngressProcess(apiPort: apiPort, issuerPort: issuerPort, settings: settings)
        do {
            try await eventually("the ingress process is ready") {
                (try? await ingress.client.execute(
                    HTTPClientRequest(url: ingress.api + "/readyz"), timeout: .seconds(2)))?
                    .status == .ok
            }
            // Ready, and this process is the one answering (not another holding the port).
            guard ingress.process.process.isRunning else { throw TestEnvironment.Missing() }
            try await body(ingress)
        } catch {
            await ingress.close()
            throw error
        }
        await ingress.close()
    }

    private func close() async {
        process.kill()
        try? await client.shutdown()
        try? FileManager.default.removeItem(atPath: keyFile)
    }

    var keyFileExists: Bool { FileManager.default.fileExists(atPath: keyFile) }

    /// A demo user's access token from the development issuer (password grant).
    func token(_ username: String) async throws -> String {
        var request = HTTPClientRequest(url: realm + "/protocol/openid-connect/token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "grant_type=password&username=\(username)&password=demo"))
        let response = try await client.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 65_536)
        let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
        guard let token = json?["access_token"] as? String else { throw TestEnvironment.Missing() }
        return token
    }

    /// GET `path`, or POST `body` with `Prefer: wait=10`: the status and the JSON answer.
    func call(_ path: String, token: String, body: String? = nil) async throws -> (status: UInt, json: [String: Any]) {
        var request = HTTPClientRequest(url: api + path)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Prefer", value: "wait=10")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(15))
        let data = Data(buffer: try await response.body.collect(upTo: 65_536))
        return (response.status.code, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }
}
