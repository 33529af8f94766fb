import Foundation

/// A persistent message to publish with a publisher confirm.
public struct OutgoingMessage: Sendable, Equatable {
    public var exchange: String
    public var routingKey: String
    public var body: [UInt8]
    public var messageID: String?
    public var type: String?
    public var contentType: String
    public var timestamp: Date
    /// String application headers (CloudEvents attributes, the dead-letter reason, …).
    public var headers: [String: String]
    /// When true an unroutable message fails the publish instead of vanishing. Commands use it;
    /// events to `sopz.events` do not (an exchange nobody listens to yet is normal).
    public var mandatory: Bool

    public init(
        exchange: String, routingKey: String, body: [UInt8], messageID: String? = nil, type: String? = nil,
        contentType: String = "application/json", timestamp: Date = Date(), headers: [String: String] = [:],
        mandatory: Bool = true
    ) {
        self.mandatory = mandatory
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.messageID = messageID
        self.type = type
        self.contentType = contentType
        self.timestamp = timestamp
        self.headers = headers
    }
}

/// A message received from a queue, to be settled (ack or nack) exactly once.
public struct Delivery: Sendable, Equatable {
    public let body: [UInt8]
    public let routingKey: String
    public let messageID: String?
    public let type: String?
    public let headers: [String: String]
    public let redelivered: Bool
    let deliveryTag: UInt64
    /// Which connection the delivery came on: tags die with their channel, so a settlement for
    /// an older generation is dropped (the broker redelivers the message anyway).
    let generation: Int
    /// The exchange it was published to (`sopz.integration` for another system's saga reply).
    public var exchange = ""

    /// How many times the broker delivered this message before (quorum queues count it).
    public var previousDeliveries: Int { headers["x-delivery-count"].flatMap(Int.init) ?? 0 }
}
