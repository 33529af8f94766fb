import Foundation
import SopzRuntime

/// Settings of the ingress process (the README lists them all), read once from `SOPZ_*` variables.
struct IngressSettings: Sendable {
    /// `SOPZ_HTTP_ADDRESS` (`host:port`), default `127.0.0.1:8443`.
    var host = "127.0.0.1"
    var port = 8443
    /// `SOPZ_TLS_CERT` / `SOPZ_TLS_KEY`: the HTTPS certificate chain and key (PEM). Required.
    var certificateFile: String
    var keyFile: String
    /// `SOPZ_OIDC_ISSUER`, default the development issuer `https://localhost:8444/realms/sopz`.
    var issuer: String
    /// `SOPZ_OIDC_AUDIENCE`, default `sopz-api`: required in a token's `aud`.
    var audience: String
    /// `SOPZ_OIDC_ACCEPT_AZP=1`: also accept tokens that name the audience only as `azp` (an
    /// identity provider without an audience mapper). Off by default.
    var acceptsAuthorizedParty = false
    /// `SOPZ_OIDC_CLOCK_SKEW_SECONDS`, default 30.
    var clockSkew: TimeInterval = 30
    /// `SOPZ_OIDC_MIN_KEY_REFRESH_SECONDS`: the issuer's keys are fetched again for an unknown
    /// `kid` at most this often, default 10 (a flood of made-up `kid`s cannot hammer the issuer).
    var keyRefreshInterval: Duration = .seconds(10)
    /// `SOPZ_COMMAND_ID_SECRET`: 64 hex digits shared by every ingress replica (signs command
    /// ids). Required outside dev mode; in dev mode a random one is made per process.
    var commandIDSecret: [UInt8]
    /// `SOPZ_MAX_BODY_BYTES`, default 65536.
    var maxBodyBytes = 65_536
    /// `SOPZ_HTTP_BACKLOG`: pending connections the kernel queues, default 4096 (1,000 clients
    /// connecting at once must not be refused).
    var backlog = 4_096
    /// `SOPZ_COMMAND_RATE_PER_MINUTE`: commands each user may send per minute (per ingress
    /// replica), default 120; 0 turns the limit off.
    var commandRatePerMinute = 120
    /// `SOPZ_COMMAND_BURST`: commands a user may send at once before the rate applies, default 20.
    var commandBurst = 20
    /// `SOPZ_CORS_ORIGINS`: comma-separated origins (`https://desk.example.com`) whose pages may
    /// call the API; default none.
    var corsOrigins: Set<String> = []
    /// `SOPZ_DEV_ISSUER_ADDRESS` (`host:port`, dev mode only), default `127.0.0.1:8444`.
    var devIssuerHost = "127.0.0.1"
    var devIssuerPort = 8444
    /// `SOPZ_DEV_ISSUER_KEY_FILE`: where the dev issuer keeps its signing key.
    var devIssuerKeyFile: String
    /// `SOPZ_WEBHOOK_KEY`, `SOPZ_WEBHOOK_ALLOWED_NETWORKS`.
    var webhooks: WebhookSettings
    /// `SOPZ_WEB_CLIENT_ID`, default `sopz-web`: the public client the web interface signs in as
    /// (authorization code with PKCE at `SOPZ_OIDC_ISSUER`).
    var webClientID = "sopz-web"

    /// What the web interface is told about signing in.
    var web: WebInterface.Configuration { .init(issuer: issuer, clientID: webClientID) }

    init(environment: [String: String], shared: SharedSettings) throws {
        (host, port) = try environment.address("SOPZ_HTTP_ADDRESS", default: (host, port))
        guard let certificate = environment["SOPZ_TLS_CERT"], let key = environment["SOPZ_TLS_KEY"] else {
            throw ConfigurationError("SOPZ_TLS_CERT and SOPZ_TLS_KEY are required: the ingress speaks HTTPS only")
        }
        certificateFile = certificate
        keyFile = key
        issuer = environment["SOPZ_OIDC_ISSUER"] ?? "https://localhost:8444/realms/sopz"
        audience = environment["SOPZ_OIDC_AUDIENCE"] ?? "sopz-api"
        acceptsAuthorizedParty = try environment.flag("SOPZ_OIDC_ACCEPT_AZP")
        clockSkew = TimeInterval(try environment.integer("SOPZ_OIDC_CLOCK_SKEW_SECONDS", default: 30, in: 0...300))
        keyRefreshInterval = .seconds(
            try environment.integer("SOPZ_OIDC_MIN_KEY_REFRESH_SECONDS", default: 10, in: 0...3_600))
        if let secret = environment["SOPZ_COMMAND_ID_SECRET"] {
            guard let bytes = HexSetting.bytes(secret), bytes.count >= 32 else {
                throw ConfigurationError("SOPZ_COMMAND_ID_SECRET must be at least 64 hex digits")
            }
            commandIDSecret = bytes
        } else if shared.devMode {
            commandIDSecret = (0..<32).map { _ in UInt8.random(in: 0...255) }
        } else {
            throw ConfigurationError("SOPZ_COMMAND_ID_SECRET is required outside dev mode")
        }
        maxBodyBytes = try environment.integer("SOPZ_MAX_BODY_BYTES", default: maxBodyBytes, in: 1_024...1_048_576)
        backlog = try environment.integer("SOPZ_HTTP_BACKLOG", default: backlog, in: 16...65_535)
        commandRatePerMinute = try environment.integer(
            "SOPZ_COMMAND_RATE_PER_MINUTE", default: commandRatePerMinute, in: 0...1_000_000)
        commandBurst = try environment.integer("SOPZ_COMMAND_BURST", default: commandBurst, in: 1...1_000_000)
        corsOrigins = try Self.origins(environment["SOPZ_CORS_ORIGINS"] ?? "")
        (devIssuerHost, devIssuerPort) = try environment.address(
            "SOPZ_DEV_ISSUER_ADDRESS", default: (devIssuerHost, devIssuerPort))
        devIssuerKeyFile = environment["SOPZ_DEV_ISSUER_KEY_FILE"] ?? ".state/dev-issuer-key.pem"
        webhooks = try WebhookSettings(environment: environment, devMode: shared.devMode)
        webClientID = environment["SOPZ_WEB_CLIENT_ID"] ?? webClientID
        guard !webClientID.isEmpty, webClientID.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw ConfigurationError("SOPZ_WEB_CLIENT_ID must be a client id of visible ASCII characters")
        }
    }

    /// Origins as browsers send them: scheme, host and optional port, nothing else.
    static func origins(_ text: String) throws -> Set<String> {
        var origins = Set<String>()
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            guard let url = URL(string: entry), let scheme = url.scheme, ["https", "http"].contains(scheme),
                url.host != nil, url.path.isEmpty, url.query == nil, url.fragment == nil
            else {
                throw ConfigurationError(
                    "SOPZ_CORS_ORIGINS: '\(entry)' is not an origin like https://desk.example.com")
            }
            origins.insert(entry)
        }
        return origins
    }
}
