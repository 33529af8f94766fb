/// The OpenAPI 3.1 document, `Sources/Ingress/Resources/openapi.json`, compiled into the
/// executable and served as it is at `/openapi.json`. Tests keep it true to the code: every
/// registered route is described and every described route exists, the roles are the access
/// matrix's, and its length and pattern rules are the validation's.
enum OpenAPIDocument {
    static let bytes: [UInt8] = PackageResources.openapi_json
    static var json: String { String(decoding: bytes, as: UTF8.self) }
}
