import Hummingbird
import SopzContract
import SopzDomain

/// `?limit=` (1–200, default 50) and `?cursor=` of a list request (docs/api.md).
struct Pagination: Sendable, Equatable {
    static let defaultLimit = 50
    static let maximumLimit = 200

    let limit: Int
    let cursor: ListCursor?

    /// Reads both parameters; anything malformed is a 400 naming the parameter.
    init(_ request: Request, cursorKeys: Int) throws {
        let query = request.uri.queryParameters
        limit = try Self.limit(query)
        if let text = query["cursor"] {
            guard let cursor = ListCursor(text: String(text), keyCount: cursorKeys) else {
                throw Problem.badRequest(
                    "cursor is not one this API handed out",
                    violations: [.init(field: "cursor", message: "unknown cursor")])
            }
            self.cursor = cursor
        } else {
            cursor = nil
        }
    }

    /// `limit` alone, for the reads that page by something else than an opaque cursor.
    static func limit(_ query: Parameters) throws -> Int {
        guard let text = query["limit"] else { return defaultLimit }
        guard let limit = Int(String(text)), (1...maximumLimit).contains(limit) else {
            throw Problem.badRequest(
                "limit must be a whole number from 1 to \(maximumLimit)",
                violations: [.init(field: "limit", message: "must be 1–\(maximumLimit)")])
        }
        return limit
    }
}
