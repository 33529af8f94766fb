import PostgresNIO

/// How the dispatcher treats an error from applying a command.
enum FailureKind: Equatable {
    /// The database is unreachable, restarting or overloaded: no fault of the message. Hold it
    /// and wait (without counting attempts) so commands survive an outage of any length.
    case outage
    /// Something about this command failed (a constraint, a serialisation conflict, data that
    /// cannot be encoded): count an attempt, retry with backoff, dead-letter when they run out.
    case attempt

    init(_ error: any Error) {
        switch error {
        case let error as PSQLError where error.code == .server:
            // SQLSTATE classes 08 (connection), 53 (resources), 57 (operator intervention, e.g.
            // admin shutdown) and 58 (system) are the database's trouble, not the command's.
            let state = error.serverInfo?[.sqlState] ?? ""
            self = ["08", "53", "57", "58"].contains(String(state.prefix(2))) ? .outage : .attempt
        case is EncodingError, is DecodingError:
            self = .attempt
        default:
            // Connection failures, pool errors (e.g. its circuit breaker while the server is
            // down), timeouts: the infrastructure, not the command.
            self = .outage
        }
    }
}
