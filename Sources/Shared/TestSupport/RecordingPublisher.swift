import SopzDomain
import SopzPorts
import Synchronization

/// A broker stand-in: keeps every command published, can refuse them all (as a broker that does
/// not confirm), and can hand each one on — to a `CommandApplier`, say, as a dispatcher would.
public final class RecordingPublisher: CommandPublishing {
    public struct NotConfirmed: Error {}

    private let published = Mutex<[CommandEnvelope]>([])
    private let refusing = Mutex(false)
    private let deliver: (@Sendable (CommandEnvelope) async throws -> Void)?

    /// `deliver` receives each command once it is "confirmed".
    public init(deliver: (@Sendable (CommandEnvelope) async throws -> Void)? = nil) {
        self.deliver = deliver
    }

    /// Every command published so far, in order.
    public var envelopes: [CommandEnvelope] { published.withLock { $0 } }

    /// From now on every publish fails (true) or succeeds (false).
    public func refuse(_ refuse: Bool) { refusing.withLock { $0 = refuse } }

    public func publish(_ envelope: CommandEnvelope) async throws {
        guard !refusing.withLock({ $0 }) else { throw NotConfirmed() }
        published.withLock { $0.append(envelope) }
        try await deliver?(envelope)
    }
}
