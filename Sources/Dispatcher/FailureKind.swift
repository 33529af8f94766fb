import PostgresNIO

/// How the dispatcher treats an error from PostgreSQL.
enum FailureKind: Equatable {
    /// The database is unreachable or shutting down: no fault of the message. Hold it and
    /// wait (without counting attempts) so commands survive an outage of any length.
    case outage
    /// Something about this command failed (a constraint, a serialisation conflict, a bug):
    /// count an attempt, retry with backoff, dead-letter when attempts run out.
    case attempt

    init(_ error: any Error) {
        guard let error = error as? PSQLError else {
            self = .attempt
            return
        }
        if error.code == .server {
            // SQLSTATE classes 08 (connection), 53 (resources), 57 (operator intervention, e.g.
            // admin shutdown) and 58 (system) are the database's trouble, not the command's.
            let state = error.serverInfo?[.sqlState] ?? ""
            self = ["08", "53", "57", "58"].contains(String(state.prefix(2))) ? .outage : .attempt
        } else {
            self = .outage
        }
    }
}
