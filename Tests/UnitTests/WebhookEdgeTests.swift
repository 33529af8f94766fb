import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import SopzContract
import SopzDomain
import SopzRuntime
import SopzTestSupport
import Testing

@testable import Ingress

/// Standard Webhooks signing and the secrets it uses, checked against the specification's example.
@Suite struct WebhookSigningTests {
    @Test func theSignatureIsTheSpecificationsExample() throws {
        // From the Standard Webhooks specification and its reference libraries.
        let secret = WebhookSecret(bytes: Array(Data(base64Encoded: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!))
        #expect(secret.text == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let signature = StandardWebhooks.signature(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, secrets: [secret])
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let other = WebhookSecret(bytes: Array(repeating: 7, count: 32))
        let both = StandardWebhooks.signature(id: "m", timestamp: 1, body: body, secrets: [secret, other])
        #expect(both.split(separator: " ").count == 2)
        let headers = StandardWebhooks.headers(id: "m", timestamp: 1, body: body, secrets: [secret])
        #expect(headers.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers[1].value == "1")
    }

    @Test func secretsDeriveFromTheKeyTheIDAndTheMakingCommandAndNeverPrint() {
        let secrets = WebhookSecrets(key: Array(repeating: 1, count: 32))
        let (one, two) = (WebhookID(UUID()), WebhookID(UUID()))
        let (made, remade) = (CommandID(UUID()), CommandID(UUID()))
        let first = secrets.secret(for: one, madeBy: made)
        #expect(first == secrets.secret(for: one, madeBy: made))
        #expect(first != secrets.secret(for: one, madeBy: remade))
        #expect(first != secrets.secret(for: two, madeBy: made))
        #expect(first != WebhookSecrets(key: Array(repeating: 2, count: 32)).secret(for: one, madeBy: made))
        #expect(first.bytes.count == 32)
        #expect(first.text.hasPrefix("whsec_") && Data(base64Encoded: String(first.text.dropFirst(6)))?.count == 32)
        #expect(!"\(first)".contains(String(first.text.dropFirst(6))))
        var webhook = WebhookSubscription(
            id: one, url: "https://x.example", events: ["resolved"], description: nil, createdBy: "m",
            createdAt: Date(timeIntervalSince1970: 0), secretMadeBy: remade, secretGeneration: 2,
            previousSecretMadeBy: made, previousSecretValidUntil: Date(timeIntervalSince1970: 100))
        #expect(
            secrets.signingSecrets(of: webhook, at: Date(timeIntervalSince1970: 50)) == [
                secrets.secret(for: one, madeBy: remade), first,
            ])
        webhook.previousSecretValidUntil = nil
        #expect(secrets.signingSecrets(of: webhook, at: .now) == [secrets.secret(for: one, madeBy: remade)])
    }
}

/// Where webhooks may go: the forgery protections, judged on URLs and on connected addresses.
@Suite struct WebhookTargetTests {
    static let policy = WebhookTargetPolicy()

    @Test(arguments: [
        "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1", "fc00::abcd",
        "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "ff02::1",
    ])
    func internalAddressesAreRefused(_ address: String) throws {
        let bytes = try #require(IPAddress.bytes(address))
        #expect(Self.policy.refusal(of: bytes) != nil)
    }

    @Test(arguments: ["93.184.216.34", "1.1.1.1", "172.32.0.1", "2606:4700::1111", "::ffff:93.184.216.34"])
    func publicAddressesAreAllowed(_ address: String) throws {
        #expect(Self.policy.refusal(of: try #require(IPAddress.bytes(address))) == nil)
    }

    @Test func anAllowListOpensOnlyItsRanges() throws {
        let policy = WebhookTargetPolicy(allowedNetworks: [try #require(AddressRange("127.0.0.0/8"))])
        #expect(policy.refusal(of: [127, 0, 0, 1]) == nil)
        #expect(policy.refusal(of: [10, 0, 0, 1]) != nil)
        #expect(policy.refusal(ofURL: "https://localhost:9000/in") == nil)
        #expect(AddressRange("::1")?.prefixLength == 128)
        #expect(AddressRange("10.0.0.0/33") == nil)
        #expect(AddressRange("example.com/8") == nil)
        #expect(AddressRange("10.0.0.0/8/1") == nil)
        #expect(AddressRange("10.0.0.0/8")?.description == "10.0.0.0/8")
        #expect(AddressRange("fd00::/8")?.contains([10, 0, 0, 1]) == false)
    }

    @Test func urlsAreJudgedByTheirSchemeAndLiteralHost() {
        #expect(Self.policy.refusal(ofURL: "https://hooks.example.com/in") == nil)
        #expect(Self.policy.refusal(ofURL: "https://93.184.216.34:8443/in") == nil)
        #expect(Self.policy.refusal(ofURL: "http://hooks.example.com/in") == "must be an https URL")
        #expect(WebhookTargetPolicy(allowsHTTP: true).refusal(ofURL: "http://hooks.example.com/in") == nil)
        for url in [
            "https://127.0.0.1/in", "https://[::1]:8443/in", "https://localhost/in", "https://a.localhost",
            "https://169.254.169.254/latest/meta-data", "https://10.0.0.1:443", "https://[::ffff:10.0.0.1]/",
        ] {
            #expect(Self.policy.refusal(ofURL: url) != nil, "\(url)")
        }
    }

    @Test func theSettingsNeedAKeyOutsideDevModeAndReadTheAllowList() throws {
        #expect(throws: ConfigurationError.self) { try WebhookSettings(environment: [:], devMode: false) }
        #expect(throws: ConfigurationError.self) {
            try WebhookSettings(environment: ["SOPZ_WEBHOOK_KEY": "abcd"], devMode: false)
        }
        #expect(throws: ConfigurationError.self) {
            try WebhookSettings(
                environment: [
                    "SOPZ_WEBHOOK_KEY": String(repeating: "ab", count: 32), "SOPZ_WEBHOOK_ALLOWED_NETWORKS": "x",
                ],
                devMode: false)
        }
        let production = try WebhookSettings(
            environment: [
                "SOPZ_WEBHOOK_KEY": String(repeating: "ab", count: 32),
                "SOPZ_WEBHOOK_ALLOWED_NETWORKS": "10.1.0.0/16, ::1",
            ], devMode: false)
        #expect(production.key == Array(repeating: 0xAB, count: 32))
        #expect(production.targets.allowedNetworks.map(\.description) == ["10.1.0.0/16", "::1/128"])
        #expect(!production.targets.allowsHTTP)
        let development = try WebhookSettings(environment: [:], devMode: true)
        #expect(development.key.count == 32 && development.targets.allowsHTTP)
    }
}

/// `/api/v1/webhooks` at the HTTP edge, with the write model in memory: a manager's whole
/// journey, and every bad request refused with a problem and nothing queued.
@Suite struct WebhookEdgeTests {
    static let key = Array(repeating: UInt8(0x02), count: 32)  // InMemoryIngress's SOPZ_WEBHOOK_KEY

    static func send(
        _ client: any TestClientProtocol, _ ingress: InMemoryIngress, _ method: HTTPRequest.Method, _ path: String,
        as user: String = "max", body: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        headers[.authorization] = "Bearer \(try await ingress.token(user))"
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(
            uri: "/api/v1/" + path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    static func json(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
    }

    @Test func aManagerRegistersSeesRotatesDisablesEnablesAndDeletes() async throws {
        let ingress = try await InMemoryIngress.make()
        let secrets = WebhookSecrets(key: Self.key)
        try await ingress.test { client in
            let wait: HTTPFields = [.prefer: "wait=5"]
            let registered = try await Self.send(
                client, ingress, .post, "webhooks",
                body: #"{"url":"https://hooks.example.com/in","events":["resolved","created"],"description":"CRM"}"#,
                headers: wait)
            #expect(registered.status == .created)
            let id = try #require((Self.json(registered)["webhookId"] as? String).flatMap(WebhookID.init))
            #expect(registered.headers[.location] == "/api/v1/webhooks/\(id)")
            func madeBy(_ response: TestResponse) throws -> CommandID {
                try #require((Self.json(response)["commandId"] as? String).flatMap(CommandID.init))
            }
            #expect(
                Self.json(registered)["secret"] as? String
                    == secrets.secret(for: id, madeBy: try madeBy(registered)).text)

            let shown = try await Self.send(client, ingress, .get, "webhooks/\(id)")
            #expect(shown.status == .ok)
            #expect(Self.json(shown)["events"] as? [String] == ["created", "resolved"])
            #expect(Self.json(shown)["secret"] == nil)
            let listed = try await Self.send(client, ingress, .get, "webhooks?limit=1")
            #expect((Self.json(listed)["items"] as? [Any])?.count == 1)

            let rotate: HTTPFields = [.idempotencyKey: "rotate-1", .prefer: "wait=5"]
            let rotated = try await Self.send(
                client, ingress, .post, "webhooks/\(id)/rotate-secret", body: #"{"keepPreviousSeconds":60}"#,
                headers: rotate)
            #expect(rotated.status == .ok)
            #expect(
                Self.json(rotated)["secret"] as? String == secrets.secret(for: id, madeBy: try madeBy(rotated)).text)
            // A retry of the same request (after a lost answer, say) shows the same secret, applies nothing twice.
            let retried = try await Self.send(
                client, ingress, .post, "webhooks/\(id)/rotate-secret", body: #"{"keepPreviousSeconds":60}"#,
                headers: rotate)
            #expect(retried.status == .ok)
            #expect(Self.json(retried)["secret"] as? String == Self.json(rotated)["secret"] as? String)
            let disabled = try await Self.send(
                client, ingress, .post, "webhooks/\(id)/disable", body: #"{"reason":"maintenance"}"#, headers: wait)
            #expect(disabled.status == .ok)
            let stored = try #require(try await ingress.model.webhook(id))
            #expect(stored.secretGeneration == 2 && stored.status == .disabled)
            #expect(try await Self.send(client, ingress, .post, "webhooks/\(id)/enable", headers: wait).status == .ok)
            #expect(try await ingress.model.webhook(id)?.status == .active)
            // Its delivery log (the notifier's; empty here), and replays of deliveries it does not have.
            let log = try await Self.send(client, ingress, .get, "webhooks/\(id)/deliveries?limit=5")
            #expect(log.status == .ok)
            #expect((Self.json(log)["items"] as? [Any])?.isEmpty == true)
            for delivery in ["1", "0", "-3", "abc", "99999999999999999999"] {
                let replay = try await Self.send(client, ingress, .post, "webhooks/\(id)/deliveries/\(delivery)/replay")
                #expect(replay.status == .notFound, "\(delivery)")
            }
            #expect(try await Self.send(client, ingress, .delete, "webhooks/\(id)", headers: wait).status == .ok)
            #expect(try await Self.send(client, ingress, .get, "webhooks/\(id)").status == .notFound)
            #expect(try await Self.send(client, ingress, .post, "webhooks/\(id)/enable").status == .notFound)
            let empty = try await Self.send(client, ingress, .get, "webhooks")
            #expect((Self.json(empty)["items"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(arguments: [
        (#"{"url":"https://hooks.example.com","events":["nope"]}"#, HTTPResponse.Status.unprocessableContent),
        (#"{"url":"https://127.0.0.1/in","events":["resolved"]}"#, .unprocessableContent),
        (#"{"url":"https://[::1]/in","events":["resolved"]}"#, .unprocessableContent),
        (#"{"url":"https://169.254.169.254/","events":["resolved"]}"#, .unprocessableContent),
        (#"{"url":"ftp://hooks.example.com","events":["resolved"]}"#, .unprocessableContent),
        (#"{"url":"https://hooks.example.com","events":[]}"#, .unprocessableContent),
        (#"{"url":"https://hooks.example.com"}"#, .badRequest),
        (#"{"url":"https://hooks.example.com","events":["resolved"],"secret":"mine"}"#, .badRequest),
        (#"{"#, .badRequest),
    ])
    func aBadRegistrationIsAProblemAndNothingIsQueued(_ body: String, _ status: HTTPResponse.Status) async throws {
        let ingress = try await InMemoryIngress.make()
        try await ingress.test { client in
            let response = try await Self.send(client, ingress, .post, "webhooks", body: body)
            #expect(response.status == status)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
        #expect(ingress.publisher.envelopes.isEmpty)
    }

    @Test func commandsOnMissingOnesAreNotFoundAndBadRotationsAreRefused() async throws {
        let ingress = try await InMemoryIngress.make()
        try await ingress.test { client in
            let missing = WebhookID(UUID())
            for (method, path) in [
                (HTTPRequest.Method.get, "webhooks/\(missing)"), (.post, "webhooks/\(missing)/enable"),
                (.delete, "webhooks/\(missing)"), (.get, "webhooks/not-an-id"),
                (.get, "webhooks/\(missing)/deliveries"),
                (.post, "webhooks/\(missing)/deliveries/1/replay"),
            ] {
                #expect(try await Self.send(client, ingress, method, path).status == .notFound, "\(path)")
            }
            let rotated = try await Self.send(
                client, ingress, .post, "webhooks/\(missing)/rotate-secret", body: #"{"keepPreviousSeconds":-1}"#)
            #expect(rotated.status == .unprocessableContent)
            let clients = try await Self.send(client, ingress, .get, "webhooks", as: "ada")
            #expect(clients.status == .forbidden)
        }
        #expect(ingress.publisher.envelopes.isEmpty)
    }
}
