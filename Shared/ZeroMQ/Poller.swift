// Waiting on several sockets at once with zmq_poll (the DRAFT zmq_poller_* API is not
// built on Debian).
import CZMQ

/// The sockets a poll found readable.
public struct PollResult {
    /// Indices (into the poller's `sockets`) of the readable sockets, ascending.
    public let readableIndices: [Int]
    private let readable: [Socket]

    init(readableIndices: [Int], sockets: [Socket]) {
        self.readableIndices = readableIndices
        self.readable = readableIndices.map { sockets[$0] }
    }

    /// True when `socket` has a message waiting.
    public func contains(_ socket: Socket) -> Bool {
        readable.contains { $0 === socket }
    }

    /// True when nothing was readable (timeout, or an interrupted poll).
    public var isEmpty: Bool { readableIndices.isEmpty }
}

/// Polls a fixed list of sockets for readability (`zmq_poll` with `ZMQ_POLLIN`).
///
/// Like the sockets it holds, a poller belongs to one thread.
public struct Poller {
    /// The sockets polled, in order.
    public let sockets: [Socket]

    /// A poller over `sockets` (none is allowed: `poll` then just waits out the timeout).
    public init(_ sockets: [Socket]) {
        self.sockets = sockets
    }

    /// Waits until at least one socket is readable or `timeout` passes (`nil`: forever).
    ///
    /// Timeouts are rounded up to whole milliseconds. An interrupted poll (EINTR) returns
    /// an empty result early: callers poll in a loop against their own deadline anyway.
    /// - Throws: `ZMQError`, e.g. `ETERM` after the context was shut down, or ENOTSOCK
    ///   for a closed socket.
    public func poll(timeout: Duration?) throws(ZMQError) -> PollResult {
        var items = [zmq_pollitem_t]()
        items.reserveCapacity(sockets.count)
        for (index, socket) in sockets.enumerated() {
            guard let handle = socket.pollHandle else {
                throw ZMQError(operation: "zmq_poll(socket \(index) is closed)", errno: ENOTSOCK)
            }
            items.append(zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0))
        }
        let milliseconds = timeout.map { Int($0 > .zero ? SocketOption.milliseconds($0) : 0) } ?? -1
        let ready = try ZMQ.call("zmq_poll", interrupts: .returnNil) {
            zmq_poll(&items, Int32(items.count), milliseconds)
        }
        guard let ready, ready > 0 else { return PollResult(readableIndices: [], sockets: sockets) }
        let indices = items.indices.filter { items[$0].revents & Int16(ZMQ_POLLIN) != 0 }
        return PollResult(readableIndices: indices, sockets: sockets)
    }
}
