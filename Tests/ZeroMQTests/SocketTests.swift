import Foundation
import Testing
import ZeroMQ

@Suite("Socket")
struct SocketTests {
    @Test("ROUTER/DEALER round trip keeps binary and empty frames intact")
    func multipartRoundTrip() throws {
        let context = try Context()
        let router = try Socket(context, type: .router)
        try router.bind("inproc://round-trip")
        let dealer = try Socket(context, type: .dealer)
        try dealer.set(.routingID(Data("worker-7".utf8)))
        try dealer.connect("inproc://round-trip")

        let binary = Data((0...255).map { UInt8($0) })
        let sent = [Data(), binary, Data([0, 0, 0]), Data()]
        #expect(try dealer.send(frames: sent))

        let atRouter = try expectMessage(router)
        #expect(atRouter.frames == [Data("worker-7".utf8)] + sent)
        #expect(atRouter.discardedFrameCount == 0)
        #expect(atRouter.userID == nil)

        let reply = [Data("worker-7".utf8), Data(), Data(binary.reversed())]
        #expect(try router.send(frames: reply))
        let atDealer = try expectMessage(dealer)
        #expect(atDealer.frames == [Data(), Data(binary.reversed())])
    }

    @Test("with ROUTER_HANDOVER a reconnecting peer takes over its routing id")
    func routingIDHandover() throws {
        let context = try Context()
        let router = try Socket(context, type: .router)
        try router.set([.routerHandover(true), .routerMandatory(true)])
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint

        let old = try Socket(context, type: .dealer)
        // No reconnect: otherwise the old peer would come back and take the id again.
        try old.set([.routingID(Data("w1".utf8)), .reconnectInterval(nil)])
        try old.connect(endpoint)
        try old.send(frames: frames("from old"))
        #expect(try expectMessage(router).frames == frames("w1", "from old"))

        let new = try Socket(context, type: .dealer)
        try new.set(.routingID(Data("w1".utf8)))
        try new.connect(endpoint)
        try new.send(frames: frames("from new"))
        #expect(try expectMessage(router).frames == frames("w1", "from new"))

        try router.send(frames: frames("w1", "to w1"))
        #expect(try expectMessage(new).frames == frames("to w1"))
        #expect(try waitForMessage(old, timeout: quietWindow) == nil)
    }

    @Test("without ROUTER_HANDOVER a second peer with a used routing id is ignored")
    func duplicateRoutingIDWithoutHandover() throws {
        let context = try Context()
        let router = try Socket(context, type: .router)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint
        let first = try Socket(context, type: .dealer)
        try first.set(.routingID(Data("w1".utf8)))
        try first.connect(endpoint)
        try first.send(frames: frames("first"))
        #expect(try expectMessage(router).frames == frames("w1", "first"))

        let second = try Socket(context, type: .dealer)
        try second.set(.routingID(Data("w1".utf8)))
        try second.connect(endpoint)
        try second.send(frames: frames("second"))
        #expect(try waitForMessage(router, timeout: quietWindow) == nil)
    }

    @Test("ROUTER_MANDATORY: sending to an unknown peer throws EHOSTUNREACH")
    func routerMandatoryUnknownPeer() throws {
        let context = try Context()
        let router = try Socket(context, type: .router)
        try router.bind("inproc://mandatory")

        // libzmq's default: silently dropped, reported as sent.
        #expect(try router.send(frames: frames("nobody", "lost")))

        try router.set(.routerMandatory(true))
        do {
            try router.send(frames: frames("nobody", "hello"))
            Issue.record("send to an unknown peer did not throw")
        } catch {
            #expect(error.errno == EHOSTUNREACH)
            #expect(error.isHostUnreachable)
            #expect(error.message == "Host unreachable")  // libzmq's own text for it
        }
    }

    @Test("a peer over maxMessageSize is disconnected; the server keeps serving others")
    func maxMessageSizeDropsOffender() throws {
        let context = try Context()
        let router = try Socket(context, type: .router)
        try router.set([.maxMessageSize(1024), .routerMandatory(true)])
        let monitor = try router.startMonitor(events: [.disconnected, .handshakeSucceeded])
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint

        let big = try Socket(context, type: .dealer)
        try big.set([.routingID(Data("big".utf8)), .reconnectInterval(nil)])
        try big.connect(endpoint)
        try big.send(frames: frames("hello"))
        #expect(try expectMessage(router).frames == frames("big", "hello"))

        try big.send(frames: [Data(count: 2048)])
        let disconnected = try waitForEvent(.disconnected, on: monitor)
        #expect(disconnected != nil, "the oversized sender was not disconnected")

        let small = try Socket(context, type: .dealer)
        try small.set(.routingID(Data("small".utf8)))
        try small.connect(endpoint)
        try small.send(frames: [Data(count: 1000)])
        #expect(try expectMessage(router).frames == [Data("small".utf8), Data(count: 1000)])
        try router.send(frames: frames("small", "ok"))
        #expect(try expectMessage(small).frames == frames("ok"))

        // The oversized message never arrived, and the offender is gone.
        #expect(try waitForMessage(router, timeout: quietWindow) == nil)
        do {
            try router.send(frames: frames("big", "still there?"))
            Issue.record("the disconnected offender is still routable")
        } catch {
            #expect(error.isHostUnreachable)
        }
    }

    @Test("dontWait receive returns nil and dontWait send returns false instead of blocking")
    func wouldBlockIsAValue() throws {
        let context = try Context()
        let dealer = try Socket(context, type: .dealer)
        #expect(try dealer.receive(dontWait: true) == nil)
        #expect(try dealer.send(frames: frames("nobody listens"), dontWait: true) == false)

        try dealer.set(.receiveTimeout(.milliseconds(20)))
        #expect(try dealer.receive() == nil)
    }

    @Test("linger is 0 from creation: closing with queued messages does not hang")
    func closeWithPendingMessagesDoesNotHang() throws {
        let outcome = runWithDeadline(.seconds(20)) {
            weak var weakContext: Context?
            do {
                let context = try Context()
                weakContext = context
                let dealer = try Socket(context, type: .dealer)
                guard try dealer.linger == .zero else { throw TestFailure("linger is not 0") }
                // A port nobody listens on any more: messages queue, never delivered.
                let placeholder = try Socket(context, type: .router)
                try placeholder.bind("tcp://127.0.0.1:*")
                let deadEndpoint = try placeholder.lastEndpoint
                placeholder.close()
                try dealer.connect(deadEndpoint)
                for index in 0..<100 {
                    let queued = try dealer.send(
                        frames: [Data(count: 1000), Data("\(index)".utf8)], dontWait: true)
                    guard queued else { throw TestFailure("message \(index) was not queued") }
                }
                dealer.close()
                dealer.close()  // idempotent
            }
            if weakContext != nil { throw TestFailure("the context outlived its sockets") }
        }
        #expect(outcome == .finished)
    }

    @Test("errors carry the operation, errno and libzmq's text")
    func errorsCarryFacts() throws {
        let context = try Context()
        let socket = try Socket(context, type: .router)
        do {
            try socket.bind("bogus://nowhere")
            Issue.record("binding an unknown transport succeeded")
        } catch {
            #expect(error.errno == EPROTONOSUPPORT)
            #expect(error.operation == "zmq_bind(bogus://nowhere)")
            #expect(error.message == String(cString: strerror(EPROTONOSUPPORT)))
            #expect(error.description.contains("bogus://nowhere"))
            #expect(error.description.contains(error.message))
        }
        #expect(throws: ZMQError.self) { try socket.connect("tcp://") }

        socket.close()
        #expect(socket.isClosed)
        do {
            try socket.bind("inproc://closed")
            Issue.record("a closed socket accepted bind")
        } catch {
            #expect(error.errno == ENOTSOCK)
        }
    }

    @Test("frames past maxFramesPerMessage are drained, discarded and counted")
    func frameCountCap() throws {
        let context = try Context()
        let router = try Socket(context, type: .router)
        router.maxFramesPerMessage = 4
        try router.bind("inproc://frame-cap")
        let dealer = try Socket(context, type: .dealer)
        try dealer.set(.routingID(Data("d".utf8)))
        try dealer.connect("inproc://frame-cap")

        try dealer.send(frames: (0..<10).map { Data("f\($0)".utf8) })
        try dealer.send(frames: frames("a", "b"))

        let capped = try expectMessage(router)
        #expect(capped.frames == frames("d", "f0", "f1", "f2"))
        #expect(capped.discardedFrameCount == 7)
        #expect(capped.isTruncated)

        // The rest of the capped message was drained: the next one is whole.
        let next = try expectMessage(router)
        #expect(next.frames == frames("d", "a", "b"))
        #expect(!next.isTruncated)
    }

    @Test("the poller reports exactly the readable sockets and honours its timeout")
    func pollerReportsReadable() throws {
        let context = try Context()
        let a = try Socket(context, type: .pair)
        let b = try Socket(context, type: .pair)
        try a.bind("inproc://poll-ab")
        try b.connect("inproc://poll-ab")
        let c = try Socket(context, type: .pair)
        let d = try Socket(context, type: .pair)
        try c.bind("inproc://poll-cd")
        try d.connect("inproc://poll-cd")

        let poller = Poller([a, c])
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try poller.poll(timeout: .milliseconds(50)).isEmpty)
        #expect(clock.now - start >= .milliseconds(40))

        try d.send(frames: frames("to c"))
        let ready = try poller.poll(timeout: eventTimeout)
        #expect(ready.readableIndices == [1])
        #expect(ready.contains(c))
        #expect(!ready.contains(a))
    }
}
