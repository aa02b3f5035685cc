import Farm

/// Foundation weights this worker holds, by hex SHA-256, so an adapt task whose
/// foundation it already has needs no payload. Bounded: the oldest entry goes first.
struct FoundationCache {
    /// 32 foundations of the paper's network are about 15 MB.
    let capacity: Int
    private var weights: [String: [Float]] = [:]
    private var order: [String] = []

    init(capacity: Int = 32) { self.capacity = capacity }

    var hashes: [String] { order }

    subscript(sha256: String) -> [Float]? { weights[sha256] }

    mutating func insert(_ values: [Float], sha256: String) {
        if weights[sha256] == nil { order.append(sha256) }
        weights[sha256] = values
        while order.count > capacity { weights[order.removeFirst()] = nil }
    }
}
