import NIOSSL

/// The one TLS policy of every hop Sopz speaks or serves through NIOSSL: TLS 1.2 or newer, and
/// on TLS 1.2 only forward-secret key exchange (ECDHE) with authenticated encryption (AES-GCM,
/// ChaCha20-Poly1305) — no CBC, no SHA-1 MACs, no static ECDH or RSA key exchange, no CCM.
///
/// TLS 1.3 suites are not configurable in BoringSSL, and it offers only the standard GCM and
/// ChaCha20 ones. RabbitMQ and PostgreSQL get the same list from `scripts/lib.sh` (and, in
/// Kubernetes, `k8s/base/rabbitmq.yaml` and `k8s/base/postgres.yaml`); `TLSCipherTests` checks
/// all of them from the outside.
public enum TLSPolicy {
    /// TLS 1.2 suites in OpenSSL's names, strongest first.
    public static let tls12CipherSuites = [
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    ]

    /// The standard TLS 1.3 suites, without the CCM ones.
    public static let tls13CipherSuites = [
        "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256",
    ]

    /// A server's TLS: the certificate chain and key in these PEM files, under this policy.
    public static func server(certificateFile: String, keyFile: String) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        return applied(
            to: .makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))))
    }

    /// `configuration` restricted to this policy.
    public static func applied(to configuration: TLSConfiguration) -> TLSConfiguration {
        var configuration = configuration
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuites = tls12CipherSuites.joined(separator: ":")
        return configuration
    }
}
