import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import SopzAMQP
import SopzContract
import Testing

@testable import Ingress

extension Integration {
    /// Tokens that must not get in: each is refused with 401 or 403 and nothing is enqueued.
    @Suite struct TokenAttackTests {
        enum Attack: String, CaseIterable, Sendable {
            case expired, notYetValid, wrongIssuer, wrongAudience, tamperedPayload, unknownKey
            case hs256WithThePublicKey, unsigned, noRoles
            /// Correctly signed, but its header makes an extension we do not know critical (RFC 7515 §4.1.11).
            case criticalExtension
            /// `aud` is another API; only `azp` names ours.
            case audienceOnlyInAuthorizedParty
            /// No `kid`, and the issuer publishes two keys: which one signed it is not ours to guess.
            case noKidWhileTheIssuerHasSeveralKeys
        }

        static let ada = DemoUser.all[0]

        func token(for attack: Attack, system: TestSystem) async throws -> String {
            let issuer = system.issuer
            switch attack {
            case .expired:
                return try await issuer.token(for: Self.ada, now: Date().addingTimeInterval(-7_200))
            case .notYetValid:
                return try await issuer.token(for: Self.ada, now: Date().addingTimeInterval(7_200))
            case .wrongIssuer:
                let other = try await DevIssuer(
                    devMode: true, issuer: "https://evil.example/realms/sopz", audience: TestSystem.audience,
                    key: system.signingKey)
                return try await other.token(for: Self.ada)
            case .wrongAudience:
                let other = try await DevIssuer(
                    devMode: true, issuer: issuer.issuer, audience: "another-api", key: system.signingKey)
                return try await other.token(for: Self.ada)
            case .tamperedPayload:
                let parts = try await issuer.token(for: DemoUser.all[1]).split(separator: ".").map(String.init)
                let payloadData = try #require(Data(base64URLEncoded: parts[1]))
                var payload = try #require(try JSONSerialization.jsonObject(with: payloadData) as? [String: Any])
                payload["sub"] = Self.ada.id
                let forged = try JSONSerialization.data(withJSONObject: payload).base64URLEncodedString
                return [parts[0], forged, parts[2]].joined(separator: ".")
            case .unknownKey:
                let stranger = try await DevIssuer(
                    devMode: true, issuer: issuer.issuer, audience: TestSystem.audience, key: ES256PrivateKey())
                return try await stranger.token(for: Self.ada)
            case .hs256WithThePublicKey:
                let header = try JSONSerialization.data(withJSONObject: ["alg": "HS256", "kid": issuer.keyID])
                    .base64URLEncodedString
                let valid = try await issuer.token(for: Self.ada).split(separator: ".").map(String.init)
                let signingInput = header + "." + valid[1]
                let secret = SymmetricKey(data: Data(system.signingKey.publicKey.pemRepresentation.utf8))
                let mac = Data(HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: secret))
                return signingInput + "." + mac.base64URLEncodedString
            case .unsigned:
                let header = try JSONSerialization.data(withJSONObject: ["alg": "none", "kid": issuer.keyID])
                    .base64URLEncodedString
                let valid = try await issuer.token(for: Self.ada).split(separator: ".").map(String.init)
                return header + "." + valid[1] + "."
            case .noRoles:
                return try await issuer.token(for: DemoUser(username: "nobody", name: "No Body", roles: []))
            case .criticalExtension:
                return try await Self.sign(
                    issuer.claims(for: Self.ada), with: system.signingKey, kid: issuer.keyID,
                    header: ["crit": .array([.string("urn:example:unknown")]), "urn:example:unknown": .string("x")])
            case .audienceOnlyInAuthorizedParty:
                var claims = issuer.claims(for: Self.ada)
                claims.aud = .init(value: ["account"])
                claims.azp = TestSystem.audience
                return try await Self.sign(claims, with: system.signingKey, kid: issuer.keyID)
            case .noKidWhileTheIssuerHasSeveralKeys:
                try await issuer.rotateKey()  // publishes the new key beside the previous one
                return try await Self.sign(issuer.claims(for: Self.ada), with: system.signingKey, kid: nil)
            }
        }

        /// `claims` signed (ES256) with `key`, the header naming `kid` (if any) plus `header`.
        static func sign(
            _ claims: AccessTokenClaims, with key: ES256PrivateKey, kid: String?, header: JWTHeader = [:]
        ) async throws -> String {
            let identifier = kid.map { JWKIdentifier(string: $0) }
            return try await JWTKeyCollection().add(ecdsa: key, kid: identifier).sign(
                claims, kid: identifier, header: header)
        }

        @Test(arguments: Attack.allCases)
        func isRefusedAndNothingIsEnqueued(_ attack: Attack) async throws {
            try await TestSystem.run(dispatcher: false) { system in
                try await system.administration.purge(queue: Topology.dispatcherQueue)
                let token = try await token(for: attack, system: system)
                try await system.http { client in
                    let response = try await client.post(
                        "/api/v1/tickets", token: token, json: #"{"title":"t","description":"d"}"#)
                    #expect(response.status == (attack == .noRoles ? .forbidden : .unauthorized))
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
                #expect(try await system.administration.messageCount(queue: Topology.dispatcherQueue) == 0)
            }
        }

        @Test func theGenuineTokenStillWorks() async throws {
            try await TestSystem.run(dispatcher: false) { system in
                let token = try await system.issuer.token(for: Self.ada)
                try await system.http { client in
                    let response = try await client.post(
                        "/api/v1/tickets", token: token, json: #"{"title":"t","description":"d"}"#)
                    #expect(response.status == .accepted)
                }
                try await system.administration.purge(queue: Topology.dispatcherQueue)
            }
        }
    }
}
