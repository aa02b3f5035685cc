import Foundation
import Learning

let bench = Bench(measureSeconds: 0.5, repeats: 3)
print(Bench.render(bench.run()))
