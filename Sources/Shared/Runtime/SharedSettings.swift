import Logging

/// Settings every Sopz process reads (the README lists them all), from `SOPZ_*` environment variables.
///
/// Read once in `main`; nothing deeper in the stack looks at the environment.
public struct SharedSettings: Sendable {
    /// `SOPZ_AMQP_URL`, default `amqps://guest:guest@localhost:5671/`.
    public var amqp: AMQPConfiguration
    /// `SOPZ_DATABASE_URL`, default `postgres://sopz@localhost:5432/sopz?sslmode=verify-full`.
    public var database: DatabaseConfiguration
    /// `SOPZ_READ_DATABASE_URL`: the read model's PostgreSQL (the projector writes it, queries
    /// read it); default the write database. Its pool size is `SOPZ_DATABASE_POOL_SIZE` too.
    public var readDatabase: DatabaseConfiguration
    /// `SOPZ_TLS_CA`: PEM bundle that signs the broker's, the database's (and the identity
    /// provider's) certificates; the system bundle when unset.
    public var caFile: String?
    /// `SOPZ_DEV_MODE=1` enables development conveniences (the embedded token issuer).
    public var devMode: Bool
    /// `SOPZ_LOG_LEVEL`, default `info`.
    public var logLevel: Logger.Level

    public init(environment: [String: String]) throws {
        caFile = environment["SOPZ_TLS_CA"].flatMap { $0.isEmpty ? nil : $0 }
        amqp = try AMQPConfiguration(
            url: environment["SOPZ_AMQP_URL"] ?? "amqps://guest:guest@localhost:5671/", caFile: caFile)
        database = try DatabaseConfiguration(
            url: environment["SOPZ_DATABASE_URL"] ?? "postgres://sopz@localhost:5432/sopz?sslmode=verify-full",
            caFile: caFile)
        if let pool = environment["SOPZ_DATABASE_POOL_SIZE"] {
            guard let size = Int(pool), (1...500).contains(size) else {
                throw ConfigurationError("SOPZ_DATABASE_POOL_SIZE must be 1…500")
            }
            database.poolSize = size
        }
        readDatabase = database
        if let url = environment["SOPZ_READ_DATABASE_URL"], !url.isEmpty {
            let poolSize = database.poolSize
            readDatabase = try DatabaseConfiguration(url: url, caFile: caFile, variable: "SOPZ_READ_DATABASE_URL")
            readDatabase.poolSize = poolSize
        }
        devMode = try environment.flag("SOPZ_DEV_MODE")
        logLevel = environment["SOPZ_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    }

    /// A logger labelled for one process.
    public func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}

extension [String: String] {
    /// An on/off setting: `1`, `true` or `yes` turn it on; `0`, `false`, `no` or unset leave it off.
    public func flag(_ name: String) throws -> Bool {
        switch self[name]?.lowercased() {
        case nil, "", "0", "false", "no": return false
        case "1", "true", "yes": return true
        default: throw ConfigurationError("\(name) must be 1 or 0")
        }
    }

    /// A `host:port` setting, or `fallback` when unset.
    public func address(_ name: String, default fallback: (String, Int)) throws -> (host: String, port: Int) {
        guard let text = self[name] else { return fallback }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else { throw ConfigurationError("\(name) must look like host:port") }
        return (String(text[..<colon]), port)
    }

    /// An integer setting within `range`, or `fallback` when unset.
    public func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = self[name] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError("\(name) must be an integer in \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }
}
