import Foundation
import Hummingbird
import NIOCore
import SopzContract
import SopzDomain

/// Reads a JSON request body into `T`, refusing what a lenient decoder would let through:
/// a body over the size limit (413), a wrong content type (415), malformed JSON, unknown
/// fields, missing fields, wrong types and `null` where a value or nothing is meant (400) —
/// each as a problem naming the field.
enum StrictJSON {
    /// `allowedFields` maps an object path ("" for the top level, "refund" for a nested object)
    /// to the keys permitted there; `nullable` names the fields (by path) where `null` means
    /// something (an optional field is otherwise left out, not sent as `null`).
    static func decode<T: Decodable>(
        _ type: T.Type, from request: Request, context: SopzRequestContext, allowedFields: [String: Set<String>],
        nullable: Set<String> = []
    ) async throws -> T {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw Problem(
                .unsupportedMediaType, code: "unsupported-media-type", title: "Unsupported media type",
                detail: "send the body as application/json")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw Problem(
                .contentTooLarge, code: "body-too-large", title: "The body is too large",
                detail: "at most \(context.maxUploadSize) bytes")
        }
        let data = Data(buffer.readableBytesView)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw Problem.badRequest("the body is not valid JSON")
        }
        var unknown: [FieldViolation] = []
        collectUnknownFields(object, path: "", allowed: allowedFields, nullable: nullable, into: &unknown)
        guard unknown.isEmpty else {
            throw Problem.badRequest("the body has unknown or null fields", violations: unknown)
        }
        do {
            return try JSONCoding.decoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Problem.badRequest("the body does not match the schema", violations: [violation(error)])
        }
    }

    private static func collectUnknownFields(
        _ value: Any, path: String, allowed: [String: Set<String>], nullable: Set<String>,
        into found: inout [FieldViolation]
    ) {
        guard let object = value as? [String: Any] else {
            if path.isEmpty { found.append(.init(field: "", message: "must be a JSON object")) }
            return
        }
        let permitted = allowed[path] ?? []
        for (key, child) in object.sorted(by: { $0.key < $1.key }) {
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            if !permitted.contains(key) {
                found.append(.init(field: childPath, message: "is not a known field"))
            } else if child is NSNull {
                if !nullable.contains(childPath) {
                    found.append(.init(field: childPath, message: "must not be null (leave it out instead)"))
                }
            } else if allowed[childPath] != nil {
                collectUnknownFields(child, path: childPath, allowed: allowed, nullable: nullable, into: &found)
            }
        }
    }

    private static func violation(_ error: DecodingError) -> FieldViolation {
        func path(_ context: DecodingError.Context, _ key: (any CodingKey)? = nil) -> String {
            (context.codingPath + (key.map { [$0] } ?? [])).map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return .init(field: path(context, key), message: "is required")
        case .valueNotFound(_, let context): return .init(field: path(context), message: "must not be null")
        case .typeMismatch(let type, let context):
            return .init(field: path(context), message: "must be of type \(jsonTypeName(type))")
        case .dataCorrupted(let context): return .init(field: path(context), message: "has an invalid value")
        @unknown default: return .init(field: "", message: "is invalid")
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is Bool.Type: "boolean"
        case is Decimal.Type, is Double.Type, is Int.Type: "number"
        default: "object"
        }
    }
}
