import Foundation
import Logging
import ServiceLifecycle
import SopzDomain
import SopzPorts
import Synchronization

/// Pushes every projected event to the signed-in users who may see it (`GET /api/v1/live`).
///
/// Every ingress replica runs one: woken by the projector's `NOTIFY sopz_projected`
/// (`ProjectionProgress`), it reads what was projected past the last position it saw — one
/// query for all its subscribers — and hands each subscriber the events of tickets they may
/// see. So each replica gets every event, whichever replica a client is connected to.
/// Each subscriber has a bounded buffer: a client that does not read fast enough is dropped
/// (it reconnects and resumes from its last event id), never buffered without bound.
final class LiveFeed: Service, Sendable {
    enum Message: Sendable, Equatable {
        case event(FeedEntry)
        /// Nothing happened for a while: a comment keeps proxies from closing the stream.
        case heartbeat
        /// The stream ends, and why (`expired`: the token did; `shutdown`: this replica stops;
        /// `reset`: a resuming client is too far behind and reloads). A client that fell behind
        /// gets no reason — its buffer is full — only the end of the stream.
        case end(String)
    }

    struct Subscription: Sendable {
        let id: UUID
        /// Events up to here were projected before the subscription: a resuming client gets
        /// those from the read model, the later ones from `messages`.
        let head: Int64
        let messages: AsyncStream<Message>
    }

    private struct Subscriber {
        let user: User
        let continuation: AsyncStream<Message>.Continuation
    }

    private struct State {
        var head: Int64 = 0
        var started = false
        var subscribers: [UUID: Subscriber] = [:]
    }

    private let readModel: any ReadModelReading
    private let progress: ProjectionProgress
    private let logger: Logger
    private let state = Mutex(State())
    /// Messages a subscriber may have waiting before it is dropped.
    let bufferLimit: Int
    let heartbeatInterval: Duration
    /// Events read per query.
    static let pageSize = 500

    init(
        readModel: any ReadModelReading, progress: ProjectionProgress, logger: Logger, bufferLimit: Int = 1_000,
        heartbeatInterval: Duration = .seconds(15)
    ) {
        self.readModel = readModel
        self.progress = progress
        self.logger = logger
        self.bufferLimit = bufferLimit
        self.heartbeatInterval = heartbeatInterval
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.beat() }
                group.addTask { await self.follow() }
            }
        }
        endAll("shutdown")
    }

    /// Registers `user` for the events projected from now on; nil until the feed has read where
    /// the read model stands (a subscription's `head` must be a real position, or a resuming
    /// client could miss what lies between its last event and the feed's start).
    func subscribe(_ user: User) -> Subscription? {
        let id = UUID()
        let (messages, continuation) = AsyncStream.makeStream(
            of: Message.self, bufferingPolicy: .bufferingOldest(bufferLimit))
        // Taken under the lock `deliver` holds while it hands events out, so the subscriber
        // gets exactly the events after `head`.
        let head = state.withLock { state -> Int64? in
            guard state.started else { return nil }
            state.subscribers[id] = Subscriber(user: user, continuation: continuation)
            return state.head
        }
        guard let head else {
            continuation.finish()
            return nil
        }
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return Subscription(id: id, head: head, messages: messages)
    }

    /// Ends one subscription, telling it why.
    func end(_ id: UUID, _ reason: String) {
        guard let subscriber = remove(id) else { return }
        subscriber.continuation.yield(.end(reason))
        subscriber.continuation.finish()
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// The position of the last event handed out; nil until the feed has started.
    var head: Int64? { state.withLock { $0.started ? $0.head : nil } }

    @discardableResult
    private func remove(_ id: UUID) -> Subscriber? { state.withLock { $0.subscribers.removeValue(forKey: id) } }

    /// Ends every stream. The HTTP server stops only once its open streams have ended, so this
    /// must run when the server's own shutdown begins: `StreamCloser` does, placed after the
    /// server in its service group (services stop in reverse order).
    func endAll(_ reason: String) {
        let all = state.withLock { state in Array(state.subscribers.keys) }
        for id in all { end(id, reason) }
    }

    /// Reads what the projector applied after each of its steps and hands it out.
    private func follow() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let steps = progress.steps
            await catchUp()
            // A notification lost with a dropped connection costs at most this long.
            await progress.wait(after: steps, until: .now + .seconds(5))
        }
    }

    private func catchUp() async {
        do {
            if !state.withLock(\.started) {
                let head = try await readModel.feedHead()
                state.withLock { state in
                    state.head = head
                    state.started = true
                }
            }
            while true {
                let after = state.withLock(\.head)
                let entries = try await readModel.feed(after: after, limit: Self.pageSize)
                deliver(entries)
                if entries.count < Self.pageSize { return }
            }
        } catch {
            logger.debug("the live feed cannot read the read model now", metadata: ["error": "\(error)"])
        }
    }

    /// Hands `entries` to every subscriber that may see them; drops those whose buffer is full.
    func deliver(_ entries: [FeedEntry]) {
        guard let last = entries.last else { return }
        let full = state.withLock { state -> [UUID] in
            state.head = max(state.head, last.position)
            var full: [UUID] = []
            for (id, subscriber) in state.subscribers {
                for entry in entries where entry.isVisible(to: subscriber.user) {
                    if case .dropped = subscriber.continuation.yield(.event(entry)) {
                        full.append(id)
                        break
                    }
                }
            }
            return full
        }
        for id in full {
            logger.info("a live client fell behind; dropping it", metadata: ["subscription": "\(id)"])
            guard let subscriber = remove(id) else { continue }
            subscriber.continuation.finish()
        }
    }

    private func beat() async {
        while (try? await Task.sleep(for: heartbeatInterval)) != nil {
            let subscribers = state.withLock { Array($0.subscribers.values) }
            for subscriber in subscribers { subscriber.continuation.yield(.heartbeat) }
        }
    }
}

/// Ends the live streams when a graceful shutdown reaches it: placed after the HTTP server in a
/// service group, it is told first, so the server, told next, has no endless stream to wait for.
struct StreamCloser: Service {
    let feed: LiveFeed

    func run() async throws {
        try? await gracefulShutdown()
        feed.endAll("shutdown")
    }
}
