/// A failure talking to RabbitMQ. `description` is safe to log; nothing here reaches a client.
public struct AMQPError: Error, CustomStringConvertible, Equatable {
    public enum Code: Sendable, Equatable {
        /// Not connected right now (connecting, reconnecting or shut down): try again later.
        case unavailable
        /// The connection broke while the operation was under way.
        case connectionLost
        /// The broker refused the message (basic.nack or basic.return): it is not stored.
        case rejected
        /// No confirm arrived in time; the message may or may not be stored.
        case timedOut
        /// The broker refused a declaration or a login.
        case refused
    }

    public let code: Code
    public let description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
