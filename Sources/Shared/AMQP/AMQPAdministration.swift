import Foundation
import Synchronization
import SopzContract
import SopzRuntime

/// One-off broker operations (declare the topology, inspect or purge a queue, add a private
/// queue bound to an exchange) — for start-up tooling and tests. Each call opens a
/// connection on a dedicated thread, does its work and closes.
public struct AMQPAdministration: Sendable {
    let configuration: AMQPConfiguration

    public init(configuration: AMQPConfiguration) {
        self.configuration = configuration
    }

    /// Ready messages in `queue`.
    public func messageCount(queue: String) async throws -> Int {
        try await perform { try $0.messageCount(queue: queue) }
    }

    /// Drops every ready message of `queue`; returns how many.
    @discardableResult
    public func purge(queue: String) async throws -> Int {
        try await perform { try $0.purge(queue: queue) }
    }

    /// Declares a durable quorum queue bound to `exchange` with `bindingKey`.
    public func declareQueue(_ queue: String, boundTo exchange: String, bindingKey: String) async throws {
        try await perform { connection in
            try Topology.declare(on: connection)
            try connection.declareQuorumQueue(queue, deadLetterExchange: nil, deliveryLimit: 0)
            try connection.bind(queue: queue, exchange: exchange, routingKey: bindingKey)
        }
    }

    private func perform<T: Sendable>(_ work: @escaping @Sendable (AMQPConnection) throws -> T) async throws -> T {
        let result = LockedResult<T>()
        let configuration = configuration
        await DedicatedThread.run(name: "amqp-admin") {
            result.set(
                Result {
                    let connection = try AMQPConnection(configuration)
                    defer { connection.close() }
                    return try work(connection)
                })
        }
        return try result.get()
    }
}

/// Carries a result out of a dedicated thread.
private final class LockedResult<T: Sendable>: Sendable {
    private let value = Mutex<Result<T, any Error>?>(nil)

    func set(_ result: Result<T, any Error>) { value.withLock { $0 = result } }

    func get() throws -> T {
        guard let result = value.withLock({ $0 }) else { throw AMQPError(.unavailable, "no result") }
        return try result.get()
    }
}
