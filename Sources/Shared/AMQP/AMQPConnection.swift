import CRabbitMQ
import Foundation
import SopzRuntime

/// One rabbitmq-c connection with one channel (number 1), used from exactly one thread.
///
/// rabbitmq-c forbids sharing a connection between threads, so this type is deliberately not
/// `Sendable`: `AMQPPublisher` and `AMQPConsumer` each create one inside their own thread and
/// only `Sendable` values (`OutgoingMessage`, `Delivery`, errors) leave that thread.
final class AMQPConnection {
    private let state: amqp_connection_state_t
    private let channel: amqp_channel_t = 1
    private var broken = false

    /// Connects over TLS (peer and host name verified), logs in and opens channel 1.
    init(_ configuration: AMQPConfiguration) throws {
        guard let state = amqp_new_connection() else {
            throw AMQPError(.unavailable, "rabbitmq-c could not allocate a connection")
        }
        self.state = state
        do {
            try open(configuration)
        } catch {
            amqp_destroy_connection(state)
            throw error
        }
    }

    private func open(_ configuration: AMQPConfiguration) throws {
        guard let socket = amqp_ssl_socket_new(state) else {
            throw AMQPError(.unavailable, "rabbitmq-c could not create a TLS socket")
        }
        amqp_ssl_socket_set_verify_peer(socket, 1)
        amqp_ssl_socket_set_verify_hostname(socket, 1)
        let caFile = configuration.caFile ?? "/etc/ssl/certs/ca-certificates.crt"
        try check(status: amqp_ssl_socket_set_cacert(socket, caFile), "loading CA file \(caFile)")
        var connectTimeout = sopz_timeval(configuration.connectTimeout)
        let opened = amqp_socket_open_noblock(socket, configuration.host, Int32(configuration.port), &connectTimeout)
        try check(status: opened, "connecting to \(configuration.host):\(configuration.port)")
        var rpcTimeout = sopz_timeval(configuration.rpcTimeout)
        amqp_set_rpc_timeout(state, &rpcTimeout)
        amqp_set_handshake_timeout(state, &rpcTimeout)
        let login = sopz_amqp_login_plain(
            state, configuration.virtualHost, 0, 131_072, Int32(configuration.heartbeatSeconds), configuration.user,
            configuration.password)
        try check(login, "logging in to virtual host \(configuration.virtualHost)")
        amqp_channel_open(state, channel)
        try check(amqp_get_rpc_reply(state), "opening a channel")
    }

    // MARK: Topology

    func declareExchange(_ name: String, type: String) throws {
        withCBytes([name, type]) {
            _ = amqp_exchange_declare(state, channel, $0[0], $0[1], 0, 1, 0, 0, amqp_empty_table)
        }
        try check(amqp_get_rpc_reply(state), "declaring exchange \(name)")
    }

    func declareQuorumQueue(_ name: String, deadLetterExchange: String?, deliveryLimit: Int) throws {
        let reply: amqp_rpc_reply_t
        if let deadLetterExchange {
            reply = deadLetterExchange.withCString {
                sopz_declare_quorum_queue(state, channel, name, $0, Int64(deliveryLimit))
            }
        } else {
            reply = sopz_declare_quorum_queue(state, channel, name, nil, Int64(deliveryLimit))
        }
        try check(reply, "declaring queue \(name)")
    }

    func bind(queue: String, exchange: String, routingKey: String) throws {
        withCBytes([queue, exchange, routingKey]) {
            _ = amqp_queue_bind(state, channel, $0[0], $0[1], $0[2], amqp_empty_table)
        }
        try check(amqp_get_rpc_reply(state), "binding \(queue) to \(exchange)")
    }

    /// Ready messages in `queue` (a passive declare; fails if the queue does not exist).
    func messageCount(queue: String) throws -> Int {
        let result = withCBytes([queue]) { amqp_queue_declare(state, channel, $0[0], 1, 0, 0, 0, amqp_empty_table) }
        try check(amqp_get_rpc_reply(state), "inspecting \(queue)")
        return Int(result?.pointee.message_count ?? 0)
    }

    /// Removes every ready message from `queue`; returns how many there were.
    func purge(queue: String) throws -> Int {
        let result = withCBytes([queue]) { amqp_queue_purge(state, channel, $0[0]) }
        try check(amqp_get_rpc_reply(state), "purging \(queue)")
        return Int(result?.pointee.message_count ?? 0)
    }

    // MARK: Publishing

    /// Puts the channel into confirm mode: every publish is then numbered 1, 2, … and answered
    /// with basic.ack or basic.nack carrying that number.
    func enableConfirms() throws {
        amqp_confirm_select(state, channel)
        try check(amqp_get_rpc_reply(state), "enabling publisher confirms")
    }

    /// Sends one persistent message; the confirm arrives later via `nextPublisherEvent`.
    func publish(_ message: OutgoingMessage) throws {
        var strings: [UnsafeMutablePointer<CChar>?] = []
        defer { strings.forEach { free($0) } }
        func c(_ text: String) -> UnsafePointer<CChar>? {
            let copy = strdup(text)
            strings.append(copy)
            return UnsafePointer(copy)
        }
        let sortedHeaders = message.headers.sorted { $0.key < $1.key }
        let keys = sortedHeaders.map { c($0.key) }
        let values = sortedHeaders.map { c($0.value) }
        let status = message.body.withUnsafeBytes { body in
            sopz_publish(
                state, channel, c(message.exchange), c(message.routingKey), message.mandatory ? 1 : 0, body.baseAddress,
                body.count,
                message.messageID.flatMap(c), message.type.flatMap(c), c(message.contentType),
                UInt64(max(0, message.timestamp.timeIntervalSince1970)), keys, values, Int32(keys.count))
        }
        try check(status: status, "publishing to \(message.exchange)")
    }

    /// What the broker said to a publisher.
    enum PublisherEvent {
        case ack(deliveryTag: UInt64, multiple: Bool)
        case nack(deliveryTag: UInt64, multiple: Bool)
        /// An unroutable mandatory message came back; its confirm (an ack) follows.
        case returned(messageID: String?)
    }

    /// The next confirm or return already received; nil at once when there is none (it never
    /// waits: sleep in `waitForBroker`).
    func nextPublisherEvent() throws -> PublisherEvent? {
        while true {
            guard let frame = try nextFrame() else { return nil }
            guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { continue }
            switch frame.payload.method.id {
            case AMQP_BASIC_ACK_METHOD:
                let ack = frame.payload.method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
                return .ack(deliveryTag: ack.delivery_tag, multiple: ack.multiple != 0)
            case AMQP_BASIC_NACK_METHOD:
                let nack = frame.payload.method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
                return .nack(deliveryTag: nack.delivery_tag, multiple: nack.multiple != 0)
            case AMQP_BASIC_RETURN_METHOD:
                var message = amqp_message_t()
                let reply = amqp_read_message(state, frame.channel, &message, 0)
                defer { amqp_destroy_message(&message) }
                try check(reply, "reading a returned message")
                return .returned(
                    messageID: Self.string(
                        message.properties.message_id, flag: AMQP_BASIC_MESSAGE_ID_FLAG, in: message.properties._flags))
            default:
                try failIfClosing(frame)
            }
        }
    }

    // MARK: Consuming

    func consume(queue: String, prefetch: Int, consumerTag: String) throws {
        amqp_basic_qos(state, channel, 0, UInt16(clamping: prefetch), 0)
        try check(amqp_get_rpc_reply(state), "setting prefetch")
        withCBytes([queue, consumerTag]) {
            _ = amqp_basic_consume(state, channel, $0[0], $0[1], 0, 0, 0, amqp_empty_table)
        }
        try check(amqp_get_rpc_reply(state), "consuming from \(queue)")
    }

    /// Stops new deliveries for `consumerTag`; messages already sent still arrive.
    func cancel(consumerTag: String) throws {
        withCBytes([consumerTag]) { _ = amqp_basic_cancel(state, channel, $0[0]) }
        try check(amqp_get_rpc_reply(state), "cancelling consumer")
    }

    /// The next delivery already (being) received; nil at once when there is none (it never
    /// waits for one to start: sleep in `waitForBroker`).
    func nextDelivery(generation: Int) throws -> Delivery? {
        amqp_maybe_release_buffers(state)
        var envelope = amqp_envelope_t()
        var wait = sopz_timeval(0)
        let reply = amqp_consume_message(state, &envelope, &wait, 0)
        if reply.reply_type == AMQP_RESPONSE_NORMAL {
            defer { amqp_destroy_envelope(&envelope) }
            return Self.delivery(from: envelope, generation: generation)
        }
        if reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION {
            if reply.library_error == AMQP_STATUS_TIMEOUT.rawValue { return nil }
            if reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue {
                // A frame that is not a delivery (a close, a cancel): read it and decide.
                if let frame = try nextFrame() { try failIfClosing(frame) }
                return nil
            }
        }
        try check(reply, "consuming")
        return nil
    }

    func ack(deliveryTag: UInt64) throws {
        try check(status: amqp_basic_ack(state, channel, deliveryTag, 0), "acknowledging")
    }

    func nack(deliveryTag: UInt64, requeue: Bool) throws {
        try check(status: amqp_basic_nack(state, channel, deliveryTag, 0, requeue ? 1 : 0), "rejecting")
    }

    // MARK: Closing

    /// Closes politely when the connection is healthy, then frees it. Call exactly once.
    func close() {
        if !broken {
            var quick = sopz_timeval(2)
            amqp_set_rpc_timeout(state, &quick)
            _ = amqp_channel_close(state, channel, AMQP_REPLY_SUCCESS)
            _ = amqp_connection_close(state, AMQP_REPLY_SUCCESS)
        }
        amqp_destroy_connection(state)
    }

    // MARK: Helpers

    /// Calls `body` with the strings as `amqp_bytes_t` that stay valid for the whole call
    /// (`amqp_cstring_bytes` on a Swift string would point at a temporary).
    private func withCBytes<R>(_ strings: [String], _ body: ([amqp_bytes_t]) throws -> R) rethrows -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return try body(copies.map { amqp_cstring_bytes($0) })
    }

    /// Runs `body` with the socket corked, so what it writes leaves in as few TCP segments as
    /// fit. rabbitmq-c writes every frame on its own (a publish is three TLS records); sent
    /// uncorked, each became a packet RabbitMQ had to take apart on its own.
    func corked<R>(_ body: () throws -> R) rethrows -> R {
        let socket = amqp_get_sockfd(state)
        _ = sopz_cork(socket, 1)  // without the cork the frames still go out, only in more packets
        defer { _ = sopz_cork(socket, 0) }
        return try body()
    }

    /// Sleeps until the broker sent something, `wake` was signalled, or `timeout` seconds passed.
    /// Call it after a read found nothing. The reads never wait themselves: rabbitmq-c's timed
    /// reads poll in a tight loop for the last millisecond of every timeout, which burnt a core
    /// at 1,000 msg/s.
    func waitForBroker(orWake wake: WakeSignal, timeout: TimeInterval) {
        // Frames queued during an RPC are ready now; buffered bytes may hold the start of a frame
        // whose rest is on its way (the socket wakes us), so only look again soon.
        if amqp_frames_enqueued(state) != 0 { return }
        let limit = amqp_data_in_buffer(state) != 0 ? min(timeout, 0.001) : timeout
        _ = sopz_wait(amqp_get_sockfd(state), wake.descriptor, WakeSignal.milliseconds(limit))
    }

    /// The next frame already received, or nil at once.
    private func nextFrame() throws -> amqp_frame_t? {
        var frame = amqp_frame_t()
        var wait = sopz_timeval(0)
        let status = amqp_simple_wait_frame_noblock(state, &frame, &wait)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
        try check(status: status, "reading a frame")
        return frame
    }

    private func failIfClosing(_ frame: amqp_frame_t) throws {
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return }
        switch frame.payload.method.id {
        case AMQP_CHANNEL_CLOSE_METHOD:
            let close = frame.payload.method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            broken = true
            throw AMQPError(.connectionLost, "the broker closed the channel: \(Self.text(close.reply_text))")
        case AMQP_CONNECTION_CLOSE_METHOD:
            let close = frame.payload.method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            broken = true
            throw AMQPError(.connectionLost, "the broker closed the connection: \(Self.text(close.reply_text))")
        case AMQP_BASIC_CANCEL_METHOD:
            broken = true
            throw AMQPError(.connectionLost, "the broker cancelled the consumer (queue deleted?)")
        default:
            return
        }
    }

    private func check(status: Int32, _ context: String) throws {
        guard status != AMQP_STATUS_OK.rawValue else { return }
        broken = true
        let code: AMQPError.Code = status == AMQP_STATUS_TIMEOUT.rawValue ? .timedOut : .connectionLost
        throw AMQPError(code, "\(context): \(String(cString: amqp_error_string2(status)))")
    }

    private func check(_ reply: amqp_rpc_reply_t, _ context: String) throws {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            try check(status: reply.library_error, context)
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            broken = true
            var detail = "refused"
            if reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                detail = Self.text(close.reply_text)
            } else if reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                detail = Self.text(close.reply_text)
            }
            throw AMQPError(.refused, "\(context): \(detail)")
        default:
            broken = true
            throw AMQPError(.connectionLost, "\(context): no reply")
        }
    }

    private static func delivery(from envelope: amqp_envelope_t, generation: Int) -> Delivery {
        var properties = envelope.message.properties
        var headers: [String: String] = [:]
        let count = sopz_header_count(&properties)
        var key = [CChar](repeating: 0, count: 256)
        var value = [CChar](repeating: 0, count: 4096)
        for index in 0..<count where sopz_header_at(&properties, index, &key, key.count, &value, value.count) == 0 {
            headers[Self.text(nulTerminated: key)] = Self.text(nulTerminated: value)
        }
        return Delivery(
            body: bytes(envelope.message.body), routingKey: text(envelope.routing_key),
            messageID: string(properties.message_id, flag: AMQP_BASIC_MESSAGE_ID_FLAG, in: properties._flags),
            type: string(properties.type, flag: AMQP_BASIC_TYPE_FLAG, in: properties._flags), headers: headers,
            redelivered: envelope.redelivered != 0, deliveryTag: envelope.delivery_tag, generation: generation,
            exchange: text(envelope.exchange))
    }

    /// The UTF-8 text in `buffer` up to its first NUL.
    private static func text(nulTerminated buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func bytes(_ value: amqp_bytes_t) -> [UInt8] {
        guard let start = value.bytes, value.len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: start, count: value.len))
    }

    private static func text(_ value: amqp_bytes_t) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    private static func string(_ value: amqp_bytes_t, flag: Int32, in flags: amqp_flags_t) -> String? {
        flags & amqp_flags_t(flag) != 0 ? text(value) : nil
    }
}
