import CRabbitMQ
import Foundation

/// Runs blocking work (rabbitmq-c calls) on a thread of its own, never on the cooperative pool
/// or a NIO event loop, and lets async code await its end.
enum DedicatedThread {
    static func run(name: String, _ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                // Linux names a thread after the one that made it (here a NIO event loop) until
                // told otherwise, and Foundation's `name` does not reach the kernel.
                sopz_name_thread(name)
                body()
                finished.resume()
            }
            thread.name = name
            thread.start()
        }
    }
}
