import Foundation

/// Runs blocking work (rabbitmq-c calls) on a thread of its own, never on the cooperative pool
/// or a NIO event loop, and lets async code await its end.
enum DedicatedThread {
    static func run(name: String, _ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                body()
                finished.resume()
            }
            thread.name = name
            thread.start()
        }
    }
}
