import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SopzContract

/// Writes `value` as a JSON response in Sopz's dialect (camelCase, RFC 3339 timestamps).
func jsonResponse(
    _ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
) throws -> Response {
    var fields = headers
    fields[.contentType] = "application/json"
    let body = try JSONCoding.encoder().encode(value)
    return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
}

/// `Prefer: wait=N` (RFC 7240): how long the client is willing to wait for the outcome,
/// at most 10 seconds; nil when the client did not ask to wait.
enum PreferWait {
    static let maximum = 10

    static func seconds(in values: [String]) -> Int? {
        for value in values {
            for preference in value.split(separator: ",") {
                let parts = preference.split(separator: "=", maxSplits: 1).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                if parts.count == 2, parts[0].lowercased() == "wait", let seconds = Int(parts[1]), seconds >= 0 {
                    return min(seconds, maximum)
                }
            }
        }
        return nil
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let prefer = Self("Prefer")!
    static let preferenceApplied = Self("Preference-Applied")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
