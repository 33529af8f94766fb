import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SopzRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// Makes one webhook POST, connecting only to addresses `policy` allows: the name is resolved
/// here, every address it resolves to is judged (one internal address refuses the lot, so a
/// DNS answer mixing a public and an internal address cannot be played), and the connection goes
/// to a judged address — the one checked is the one connected to. Redirects are not followed.
/// Nothing of the answer but its status is read.
struct WebhookSender: Sendable {
    let policy: WebhookTargetPolicy
    let tls: NIOSSLContext
    /// For the whole attempt: resolving, connecting, TLS, sending and the answer's status line.
    var timeout: Duration = .seconds(10)
    /// Every address a name resolves to (the system's resolver; tests play a changed DNS answer).
    var resolve: @Sendable (_ host: String, _ port: Int) async throws -> [SocketAddress] = Self.systemResolve

    /// What became of one attempt.
    struct Outcome: Sendable, Equatable {
        /// The receiver's HTTP status; nil when there was none.
        var status: Int?
        /// Why there was no status (or what the status says), for the delivery log.
        var error: String?
    }

    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    /// `caFile` (`SOPZ_TLS_CA`) is trusted besides the system's roots.
    init(policy: WebhookTargetPolicy, caFile: String?) throws {
        self.policy = policy
        var configuration = TLSPolicy.applied(to: .makeClientConfiguration())
        if let caFile { configuration.additionalTrustRoots = [.file(caFile)] }
        tls = try NIOSSLContext(configuration: configuration)
    }

    func post(to url: String, headers: [(name: String, value: String)], body: [UInt8]) async -> Outcome {
        do {
            let status = try await withDeadline(timeout) { try await send(to: url, headers: headers, body: body) }
            return Outcome(status: status, error: (200...299).contains(status) ? nil : "answered \(status)")
        } catch let refused as Refused {
            return Outcome(status: nil, error: refused.description)
        } catch is DeadlineExceeded {
            return Outcome(status: nil, error: "no answer within \(timeout)")
        } catch {
            return Outcome(status: nil, error: "\(error)")
        }
    }

    private func send(to url: String, headers: [(name: String, value: String)], body: [UInt8]) async throws -> Int {
        if let refusal = policy.refusal(ofURL: url) { throw Refused(description: refusal) }
        guard let parts = URLComponents(string: url), let host = parts.host, let scheme = parts.scheme?.lowercased()
        else { throw Refused(description: "not a URL") }
        let secure = scheme == "https"
        let port = parts.port ?? (secure ? 443 : 80)
        let literal = IPAddress.bytes(host) != nil
        let addresses = try await resolve(host, port)
        for address in addresses {
            guard let bytes = address.ipAddress.flatMap(IPAddress.bytes) else { continue }
            if let refusal = policy.refusal(of: bytes) {
                throw Refused(description: "\(host) is refused: \(refusal)")
            }
        }
        guard !addresses.isEmpty else { throw Refused(description: "\(host) resolves to no address") }
        var path = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
        if let query = parts.percentEncodedQuery { path += "?" + query }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        head.headers.add(name: "Host", value: parts.port.map { "\(host):\($0)" } ?? host)
        head.headers.add(name: "Content-Type", value: "application/cloudevents+json")
        head.headers.add(name: "Content-Length", value: String(body.count))
        head.headers.add(name: "User-Agent", value: "Sopz-Webhooks/1")
        head.headers.add(name: "Connection", value: "close")
        for header in headers { head.headers.add(name: header.name, value: header.value) }

        var lastError: (any Error)?
        for address in addresses {
            do {
                return try await exchange(
                    head, body: body, with: address, serverName: secure && !literal ? host : nil, secure: secure)
            } catch let refused as Refused {
                throw refused
            } catch {
                lastError = error
            }
        }
        throw lastError ?? Refused(description: "no connection")
    }

    /// Connects to `address`, checks it is the one judged, sends and reads the status line.
    private func exchange(
        _ head: HTTPRequestHead, body: [UInt8], with address: SocketAddress, serverName: String?, secure: Bool
    ) async throws -> Int {
        let tls = self.tls
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(to: address) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if secure {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        let connected = channel.channel.remoteAddress?.ipAddress.flatMap(IPAddress.bytes)
        if let connected, let refusal = policy.refusal(of: connected) {
            try? await channel.channel.close()
            throw Refused(description: "connected to \(refusal)")
        }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.head(head))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            try await outbound.write(.end(nil))
            for try await part in inbound {
                if case .head(let response) = part { return Int(response.status.code) }
            }
            throw Refused(description: "the connection closed without an answer")
        }
    }

    /// Every address `host` resolves to (getaddrinfo, on NIO's thread pool: it blocks).
    static func systemResolve(_ host: String, port: Int) async throws -> [SocketAddress] {
        if let literal = try? SocketAddress(ipAddress: host.trimmingCharacters(in: ["[", "]"]), port: port) {
            return [literal]
        }
        return try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let code = getaddrinfo(host, String(port), &hints, &list)
            guard code == 0 else {
                throw Refused(description: "\(host) does not resolve: \(String(cString: gai_strerror(code)))")
            }
            defer { freeaddrinfo(list) }
            var addresses: [SocketAddress] = []
            var cursor = list
            while let info = cursor {
                if let address = info.pointee.ai_addr {
                    switch Int32(address.pointee.sa_family) {
                    case AF_INET:
                        address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                            addresses.append(SocketAddress($0.pointee, host: host))
                        }
                    case AF_INET6:
                        address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                            addresses.append(SocketAddress($0.pointee, host: host))
                        }
                    default: break
                    }
                }
                cursor = info.pointee.ai_next
            }
            return addresses
        }
    }
}
