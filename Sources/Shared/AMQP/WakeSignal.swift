import CRabbitMQ
import Foundation

/// Wakes a connection thread that sleeps in `poll`, together with its socket, so the thread
/// reacts at once to new work (a publish, an ack to send) and to the broker, without spinning
/// on short timeouts. Signals coalesce: several before a wait wake it once.
final class WakeSignal: Sendable {
    /// An eventfd, owned by this object for its whole life; -1 if none could be made, in which
    /// case waits still time out and the owner polls instead of sleeping indefinitely.
    let descriptor: Int32

    init() { descriptor = sopz_eventfd_open() }

    deinit { if descriptor >= 0 { close(descriptor) } }

    func signal() { if descriptor >= 0 { sopz_eventfd_signal(descriptor) } }

    /// Sleeps until signalled or `timeout` seconds passed.
    func wait(timeout: Double) { _ = sopz_wait(-1, descriptor, Self.milliseconds(timeout)) }

    static func milliseconds(_ seconds: Double) -> Int32 { Int32(clamping: Int((seconds * 1_000).rounded(.up))) }
}
