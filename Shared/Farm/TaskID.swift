import Foundation

extension TaskSpec {
    /// Hex characters kept of the SHA-256. 24 hex = 96 bits: the chance that any two of a
    /// million tasks collide is about 2^-57, while ids stay short enough to read in logs
    /// and progress lines. Ids are names, not security: a worker cannot choose one that
    /// the coordinator does not already hold.
    public static let idLength = 24

    /// The task's id: the first `idLength` hex characters of the SHA-256 of its canonical
    /// JSON (`CanonicalJSON`). Same settings, same id, in any sweep.
    public var id: String {
        // Encoding plain structs of strings and numbers cannot fail except for
        // non-finite doubles, which `SweepSpec.validate()` rejects; hash a readable
        // fallback rather than trap so hostile input still never crashes.
        let bytes = (try? CanonicalJSON.encode(self)) ?? Data(String(describing: self).utf8)
        return String(SHA256.hex(bytes).prefix(Self.idLength))
    }
}
