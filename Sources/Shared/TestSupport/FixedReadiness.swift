import SopzPorts

/// A readiness probe that says what it is told.
public struct FixedReadiness: ReadinessProbe {
    public let name: String
    public let ready: Bool

    public init(_ name: String, ready: Bool = true) {
        self.name = name
        self.ready = ready
    }

    public func isReady() async -> Bool { ready }
}
