import Foundation
import JWTKit
import SopzContract
import Testing

@testable import Ingress

/// The issuer's keys as the verifier sees them: only RS256 and ES256, by `kid`, and — for tokens
/// without `kid` — the sole key of each algorithm (OpenID Connect Core §10.1).
@Suite struct KeySetTests {
    /// A real RSA public key (from an OpenID provider's JWKS).
    static let rsaModulus =
        "seHuSf0KANP3Fv3elrwrm1uC-tsZyle-nYr_Qm_NJDSYA5lgzsAr6RFX4MsgBmUbod7K8SoqVDL6L-zFBXQ6aEfIHbUnvZhRyOG8DvbZMSz5szRfj78UrDGthYK-cSznRDKnnZkDoQP0GzWCd5IlsHb2HGvXLPuzKpY6NiIvQcswXd9d9t18lwmXR3GveJ471cdqQlggXxAhUhvr5fH-tzDUkYdQ4GMvy82A4KNgi7ShPrcKx4yQJI_aoL0KtyQEBfRC8x3DaaDvBgR8w39xn9Ne7rjw3gCZoFNBqHGx6JMSHx3S1NUppqXSs5xv2BXdxAYgPwOq3CuHi87OXubF0w"

    static func rsa(kid: String?, alg: String? = nil) -> [String: String] {
        var key = ["kty": "RSA", "e": "AQAB", "n": rsaModulus]
        if let kid { key["kid"] = kid }
        if let alg { key["alg"] = alg }
        return key
    }

    static func ecdsa(_ key: ES256PrivateKey, kid: String?) throws -> [String: String] {
        let parameters = try #require(key.publicKey.parameters)
        var jwk = ["kty": "EC", "crv": "P-256", "x": parameters.x, "y": parameters.y]
        if let kid { jwk["kid"] = kid }
        return jwk
    }

    static func keySet(_ keys: [[String: String]]) async throws -> IssuerKeySet {
        try await IssuerKeySet(jwks: JSONSerialization.data(withJSONObject: ["keys": keys]))
    }

    @Test func oneKeyOfAnAlgorithmServesTokensWithoutKid() async throws {
        let keys = try await Self.keySet([Self.rsa(kid: "a")])
        #expect(keys.kids == ["a"])
        #expect(keys.countByAlgorithm == ["RS256": 1])
        #expect(keys.soleKeyByAlgorithm["RS256"] != nil)
        #expect(keys.soleKeyByAlgorithm["ES256"] == nil)
    }

    @Test func severalKeysOfAnAlgorithmLeaveNoSoleKey() async throws {
        let keys = try await Self.keySet([Self.rsa(kid: "a"), Self.rsa(kid: "b"), Self.rsa(kid: nil)])
        #expect(keys.kids == ["a", "b"])
        #expect(keys.countByAlgorithm == ["RS256": 3])
        #expect(keys.soleKeyByAlgorithm.isEmpty)
    }

    @Test func aKeyWithoutKidVerifiesATokenWithoutKid() async throws {
        let signing = ES256PrivateKey()
        let keys = try await Self.keySet([Self.rsa(kid: "r1"), try Self.ecdsa(signing, kid: nil)])
        #expect(keys.kids == ["r1"])
        let claims = AccessTokenClaims(
            sub: .init(value: "u"), iss: .init(value: "https://issuer"), aud: .init(value: ["sopz-api"]), azp: nil,
            exp: .init(value: Date().addingTimeInterval(60)), nbf: nil, iat: nil, name: nil, preferredUsername: nil,
            realmAccess: nil, resourceAccess: nil)
        let token = try await JWTKeyCollection().add(ecdsa: signing).sign(claims)
        let header = try #require(Data(base64URLEncoded: String(token.split(separator: ".")[0])))
        #expect(try JSONDecoder().decode(TokenVerifier.Header.self, from: header).kid == nil)
        let sole = try #require(keys.soleKeyByAlgorithm["ES256"])
        #expect(try await sole.verify(token, as: AccessTokenClaims.self).sub.value == "u")
        await #expect(throws: (any Error).self) {
            try await JWTKeyCollection().add(ecdsa: ES256PrivateKey()).verify(token, as: AccessTokenClaims.self)
        }
    }

    @Test func otherAlgorithmsAreSkipped() async throws {
        await #expect(throws: OIDCError.self) {
            _ = try await Self.keySet([Self.rsa(kid: "a", alg: "RS384"), ["kty": "oct", "k": "c2VjcmV0", "kid": "h"]])
        }
        var encryption = Self.rsa(kid: "e", alg: "RSA-OAEP")
        encryption["use"] = "enc"
        var unusable = Self.rsa(kid: "s")
        unusable["use"] = "enc"
        let keys = try await Self.keySet([
            Self.rsa(kid: "a", alg: "RS512"), encryption, unusable, ["kty": "oct", "k": "c2VjcmV0", "kid": "h"],
            Self.rsa(kid: "b"),
        ])
        #expect(keys.kids == ["b"])
        #expect(keys.soleKeyByAlgorithm["RS256"] != nil)
    }
}
