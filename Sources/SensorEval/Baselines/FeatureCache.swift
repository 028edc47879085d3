import Foundation
import SensorData

/// `ClassicalFeatures` of each window, extracted once and kept, so the feature baseline of every
/// label fraction and seed reuses them (a window's features depend on that window alone, so the
/// cached rows equal a fresh extraction).
public final class FeatureCache {
    public let windows: WindowSet
    public let columns: Int
    /// [windowCount · columns]; rows valid where `computed` is set.
    private var rows: [Float]
    private var computed: [Bool]

    public init(windows: WindowSet) {
        self.windows = windows
        columns = ClassicalFeatures.names(modalities: windows.modalities).count
        rows = [Float](repeating: 0, count: windows.windowCount * columns)
        computed = [Bool](repeating: false, count: windows.windowCount)
    }

    /// Features [indices.count · columns] row-major of the windows at `indices`.
    public func features(_ indices: [Int]) -> [Float] {
        let pending = Array(Set(indices.filter { !computed[$0] })).sorted()
        if !pending.isEmpty {
            let fresh = ClassicalFeatures.extract(windows: windows, indices: pending)
            for (row, index) in pending.enumerated() {
                rows.replaceSubrange((index * columns)..<((index + 1) * columns), with: fresh[(row * columns)..<((row + 1) * columns)])
                computed[index] = true
            }
        }
        var result = [Float]()
        result.reserveCapacity(indices.count * columns)
        for index in indices { result.append(contentsOf: rows[(index * columns)..<((index + 1) * columns)]) }
        return result
    }
}
