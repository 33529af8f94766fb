/// A setting is missing or malformed; the process refuses to start and says which one.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
