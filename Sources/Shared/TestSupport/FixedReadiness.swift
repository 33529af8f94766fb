import SopzPorts

/// A readiness probe that says what it is told.
public struct FixedReadiness: ReadinessProbe {
    public let name: String
    public let ready: Bool
    public let part: ServedPart

    public init(_ name: String, ready: Bool = true, part: ServedPart = .commands) {
        self.name = name
        self.ready = ready
        self.part = part
    }

    public func isReady() async -> Bool { ready }
}
