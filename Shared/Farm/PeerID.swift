import Foundation

/// A connected worker as the coordinator's ROUTER sees it: its routing id, opaque.
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
    /// The routing-id frame the ROUTER prepends to the peer's messages.
    public var routingID: Data

    /// Wraps a routing id as received.
    public init(_ routingID: Data) { self.routingID = routingID }

    /// Hex of the routing id, for logs.
    public var description: String { SHA256.hexString(routingID) }
}
