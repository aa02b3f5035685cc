import Foundation
import Testing
import Farm

@Suite struct TaskIDTests {
    @Test func sameSettingsGiveTheSameID() {
        #expect(Fixtures.adapt(.lora).id == Fixtures.adapt(.lora).id)
        #expect(Fixtures.adapt(.lora).id.count == TaskSpec.idLength)
        #expect(Fixtures.adapt(.lora).id.allSatisfy { $0.isHexDigit })
    }

    @Test func anySettingChangeGivesAnotherID() {
        let base = Fixtures.adapt(.taugate)
        var variants: [TaskSpec] = []
        var v = base; v.foundation.seed = 1; variants.append(v)
        v = base; v.foundation.angleDegrees = 30; variants.append(v)
        v = base; v.foundation.epochs = 6; variants.append(v)
        v = base; v.foundation.learningRate = 2e-3; variants.append(v)
        v = base; v.foundation.batchSize = 64; variants.append(v)
        v = base; v.foundation.hidden = 64; variants.append(v)
        v = base; v.foundation.data = .directory("/data/x"); variants.append(v)
        v = base; v.adaptation?.method = .bitfit; variants.append(v)
        v = base; v.adaptation?.epochs = 4; variants.append(v)
        v = base; v.adaptation?.learningRate = 1e-3; variants.append(v)
        v = base; v.adaptation?.tauLambda = 0.25; variants.append(v)
        v = base; v.adaptation?.tauSharpness = 5; variants.append(v)
        v = base; v.adaptation?.loraRank = 4; variants.append(v)
        variants.append(base.dependency ?? base)
        let ids = Set(variants.map(\.id) + [base.id])
        #expect(ids.count == variants.count + 1)
    }

    @Test func keyOrderOfTheSourceJSONIsIrrelevant() throws {
        let a = #"{"kind":"foundation","foundation":{"data":{"name":"mnist"},"seed":3,"angleDegrees":45,"epochs":5,"learningRate":0.001,"batchSize":128,"hidden":128}}"#
        let b = #"{"foundation":{"hidden":128,"batchSize":128,"learningRate":1e-3,"epochs":5,"angleDegrees":45.0,"seed":3,"data":{"name":"mnist"}},"kind":"foundation"}"#
        let specA = try JSONDecoder().decode(TaskSpec.self, from: Data(a.utf8))
        let specB = try JSONDecoder().decode(TaskSpec.self, from: Data(b.utf8))
        #expect(specA.id == specB.id)
        #expect(specA.id == TaskSpec(foundation: FoundationSettings(data: .named("mnist"), seed: 3)).id)
    }

    @Test func idIsThePrefixOfTheSHA256OfTheCanonicalJSON() throws {
        let spec = Fixtures.foundation()
        let canonical = try CanonicalJSON.encode(spec)
        #expect(spec.id == String(SHA256.hex(canonical).prefix(24)))
        // Canonical means sorted keys and no whitespace.
        let text = String(decoding: canonical, as: UTF8.self)
        #expect(!text.contains(" "))
        #expect(text.hasPrefix(#"{"foundation":{"angleDegrees":45,"batchSize":128"#))
    }
}
