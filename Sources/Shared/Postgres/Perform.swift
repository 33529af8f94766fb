import Logging
import PostgresNIO

// Statements whose rows nobody needs still have their result read to the end. postgres-nio
// reports an error that arrives after the row description only while the rows are read, and
// PostgreSQL answers COMMIT on a failed transaction with a silent ROLLBACK: a result left
// unread inside a transaction can make a failed write look committed (and its command acked).

extension PostgresConnection {
    /// Runs `query` for its effect, reading the result so any error surfaces here.
    func perform(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await self.query(query, logger: logger).collect()
    }
}

extension PostgresClient {
    /// Runs `query` for its effect, reading the result so any error surfaces here.
    func perform(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await self.query(query, logger: logger).collect()
    }
}

extension AsyncSequence {
    /// Every element, read to the end (so, as with `perform`, a late error surfaces).
    func all() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self { elements.append(element) }
        return elements
    }
}
