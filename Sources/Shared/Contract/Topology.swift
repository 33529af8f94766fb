/// The AMQP names other systems rely on (docs/messaging.md). Every process declares all of them
/// on every (re)connect (SopzAMQP), so a broker that lost its definitions gets them back.
public enum Topology {
    /// Commands from the ingress (topic; routing key = command type, e.g. `ticket.create`).
    public static let commandsExchange = "sopz.commands"
    /// The dispatchers' competing-consumer quorum queue.
    public static let dispatcherQueue = "sopz.dispatcher"
    /// Poison messages, with the reason in the `x-sopz-dead-reason` header.
    public static let deadExchange = "sopz.dead"
    public static let deadQueue = "sopz.dead"
    /// Domain events to the world as CloudEvents (topic; routing key `ticket.<event>`).
    public static let eventsExchange = "sopz.events"
    /// Saga traffic with external systems (topic).
    public static let integrationExchange = "sopz.integration"
    /// The routing key other systems reply to a saga's requests with, on `sopz.integration`; the
    /// dispatchers' queue is bound to it, so replies come back as commands.
    public static let sagaReplyKey = "saga.reply"
    /// Header carrying why a message was dead-lettered.
    public static let deadReasonHeader = "x-sopz-dead-reason"
    /// A message delivered this many times is dead-lettered by the broker itself, so even a
    /// message that crashes every dispatcher cannot loop for ever.
    public static let deliveryLimit = 20
}
