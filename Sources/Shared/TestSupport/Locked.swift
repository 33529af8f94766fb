import Synchronization

/// A value shared between the tasks of a test.
public final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    public init(_ value: Value) { storage = Mutex(value) }

    public var value: Value { storage.withLock { $0 } }

    public func set(_ value: Value) { storage.withLock { $0 = value } }

    /// Changes the value in place, atomically (an append from many tasks loses none).
    public func update(_ change: (inout Value) -> Void) { storage.withLock { change(&$0) } }
}
