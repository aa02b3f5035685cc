// A libzmq context: the owner of the I/O threads every socket of this process uses.
import CZMQ

/// A libzmq context (`zmq_ctx_new`), terminated with `zmq_ctx_term` when the last
/// reference goes.
///
/// Every `Socket` holds a strong reference to its context, so the context always outlives
/// its sockets, and every socket has `ZMQ_LINGER` 0, so `zmq_ctx_term` in `deinit` cannot
/// wait on undelivered messages. libzmq contexts are thread-safe, hence `Sendable`.
/// CURVE authentication is per context: a `ZAPHandler` serves the sockets of one context.
public final class Context: @unchecked Sendable {
    // Immutable after init; libzmq's context functions are thread-safe.
    let handle: UnsafeMutableRawPointer

    /// Creates a context with `ioThreads` background I/O threads (libzmq's default is 1,
    /// plenty below ~1 GB/s of traffic).
    public init(ioThreads: Int = 1) throws(ZMQError) {
        precondition(ioThreads >= 1, "a context needs at least one I/O thread")
        let handle = try ZMQ.pointer("zmq_ctx_new") { zmq_ctx_new() }
        do {
            try ZMQ.mustSucceed("zmq_ctx_set(ZMQ_IO_THREADS, \(ioThreads))") {
                zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(clamping: ioThreads))
            }
        } catch {
            zmq_ctx_term(handle)
            throw error
        }
        self.handle = handle
    }

    /// The number of I/O threads this context was created with.
    public var ioThreads: Int {
        Int(zmq_ctx_get(handle, ZMQ_IO_THREADS))
    }

    /// Makes every blocking call on this context's sockets (in any thread) fail with
    /// `ETERM` from now on, without freeing anything. Use it to wake threads blocked in
    /// `receive` so they close their sockets; `deinit` still terminates the context.
    public func shutdown() {
        // zmq_ctx_shutdown only fails for an invalid context (EFAULT), which `handle` is not.
        _ = zmq_ctx_shutdown(handle)
    }

    deinit {
        // No socket can be open here (each holds a strong reference to us), so this does
        // not block. The helper retries EINTR; the only other failure is EFAULT.
        _ = try? ZMQ.call("zmq_ctx_term") { zmq_ctx_term(handle) }
    }
}
