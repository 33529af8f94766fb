import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The web interface: plain JavaScript modules and CSS compiled into the executable, served
/// at `/` with no build step. It is one more client of the API — it signs in with the identity
/// provider (authorization code with PKCE) and does nothing the API does not.
///
/// The assets live under `/assets/<version>/`, where the version is a hash of every asset's
/// content: their names change whenever any of them does, so they are cached for a year, while
/// the page itself is revalidated on every visit. The modules import each other by relative
/// paths, which therefore carry the version too.
struct WebInterface: Sendable {
    /// What the page needs to sign in: the issuer and the public client registered there.
    struct Configuration: Sendable, Equatable {
        var issuer: String
        var clientID: String
    }

    struct Asset: Sendable {
        let contentType: String
        let body: ByteBuffer
    }

    /// The files, by name, as they are in `Sources/Ingress/Resources/web`.
    static let files: [(name: String, bytes: [UInt8])] = [
        ("index.html", PackageResources.index_html), ("app.css", PackageResources.app_css),
        ("app.js", PackageResources.app_js), ("api.js", PackageResources.api_js),
        ("auth.js", PackageResources.auth_js), ("dom.js", PackageResources.dom_js),
        ("i18n.js", PackageResources.i18n_js), ("live.js", PackageResources.live_js),
        ("parts.js", PackageResources.parts_js), ("tickets.js", PackageResources.tickets_js),
        ("ticket.js", PackageResources.ticket_js), ("team.js", PackageResources.team_js),
        ("cache.js", PackageResources.cache_js), ("stats.js", PackageResources.stats_js),
        ("icon.svg", PackageResources.icon_svg),
    ]

    let version: String
    let assets: [String: Asset]
    let page: ByteBuffer
    let contentSecurityPolicy: String

    init(configuration: Configuration, files: [(name: String, bytes: [UInt8])] = Self.files) {
        var hash = SHA256()
        for file in files.sorted(by: { $0.name < $1.name }) where file.name != "index.html" {
            hash.update(data: Array(file.name.utf8) + [0] + file.bytes)
        }
        version = hash.finalize().prefix(8).map { String(format: "%02x", $0) }.joined()
        var assets: [String: Asset] = [:]
        for file in files where file.name != "index.html" {
            assets[file.name] = Asset(contentType: Self.contentType(of: file.name), body: ByteBuffer(bytes: file.bytes))
        }
        self.assets = assets
        let template = String(decoding: files.first { $0.name == "index.html" }?.bytes ?? [], as: UTF8.self)
        page = ByteBuffer(
            string: template.replacingOccurrences(of: "{{assets}}", with: "/assets/\(version)")
                .replacingOccurrences(of: "{{issuer}}", with: LoginPage.escape(configuration.issuer))
                .replacingOccurrences(of: "{{clientId}}", with: LoginPage.escape(configuration.clientID)))
        contentSecurityPolicy = Self.policy(issuer: configuration.issuer)
    }

    /// Scripts and styles only from this origin (no inline ones, no `style` attributes); the API,
    /// its live stream and the issuer's token endpoint are the only places it may talk to; no
    /// frame may hold it.
    static func policy(issuer: String) -> String {
        let issuerOrigin = URL(string: issuer).flatMap { url in
            url.host.map { host in "\(url.scheme ?? "https")://\(host)" + (url.port.map { ":\($0)" } ?? "") }
        }
        return [
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
            "connect-src 'self'" + (issuerOrigin.map { " " + $0 } ?? ""), "form-action 'self'",
            "frame-ancestors 'none'", "base-uri 'none'",
        ].joined(separator: "; ")
    }

    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last {
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        default: "application/octet-stream"
        }
    }

    func register(on router: Router<SopzRequestContext>) {
        router.get("/") { request, _ in self.index(request) }
        router.get("assets/:version/:name") { _, context in
            try self.asset(version: context.parameters.get("version"), name: context.parameters.get("name"))
        }
    }

    /// The page: revalidated on every visit (its ETag is the assets' version), never framed.
    func index(_ request: Request) -> Response {
        let tag = "\"\(version)\""
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-cache", .eTag: tag,
            .contentSecurityPolicy: contentSecurityPolicy,
        ]
        if request.headers[.ifNoneMatch] == tag {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(page.readableBytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: page))
    }

    /// An asset of this version, cached for a year; any other version or name is not here (an
    /// old page asking for the assets of an earlier release reloads).
    func asset(version: String?, name: String?) throws -> Response {
        guard version == self.version, let name, let asset = assets[name] else {
            throw Problem.notFound("the file")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: asset.contentType, .cacheControl: "public, max-age=31536000, immutable",
                .contentLength: String(asset.body.readableBytes),
            ],
            body: .init(byteBuffer: asset.body))
    }
}
