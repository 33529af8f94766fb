import NIOCore
import NIOPosix

/// Runs Swift Concurrency on the NIO event loops (the shared singleton group) instead of a pool
/// of its own. Every request and command crosses between the two — HTTP and PostgreSQL I/O on the
/// loops, handlers and services in tasks — and each crossing was a thread switch; on two cores
/// the switches cost more than the work. Call it first thing in `main`, once.
public enum ConcurrencyExecutor {
    public static func useEventLoops() {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
