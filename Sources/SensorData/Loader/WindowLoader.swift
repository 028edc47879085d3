import Foundation
import SensorTensor

/// Per-channel scaling applied to windows as they are batched.
public enum WindowNormalisation: Sendable, Equatable {
    /// Values as stored.
    case none
    /// Each channel z-scored within its window (NaN ignored); a constant channel becomes zeros.
    case perWindow
    /// Each channel standardised with fixed per-modality statistics (e.g. the manifest's).
    case statistics([String: ChannelStatistics])

    /// The dataset statistics recorded in `manifest`.
    public static func datasetStatistics(_ manifest: DatasetManifest) -> WindowNormalisation {
        .statistics(Dictionary(uniqueKeysWithValues: manifest.modalities.map {
            ($0.name, ChannelStatistics(mean: $0.mean.map(Float.init), standardDeviation: $0.standardDeviation.map(Float.init)))
        }))
    }
}

/// Mean and standard deviation of each channel of one modality.
public struct ChannelStatistics: Sendable, Equatable {
    public var mean: [Float]
    public var standardDeviation: [Float]

    public init(mean: [Float], standardDeviation: [Float]) {
        precondition(mean.count == standardDeviation.count, "ChannelStatistics: \(mean.count) means, \(standardDeviation.count) deviations")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }
}

/// One batch: `views[v][modality]` shaped `[batch, samples, channels]` (view 0 only, unless the loader
/// makes several augmented views for contrastive learning), labels per window, subjects and window indices.
public struct Batch: @unchecked Sendable {
    public var views: [[String: Tensor]]
    public var classLabels: [String: [Int64]]
    /// Value labels shaped `[batch]` (NaN where a window has none).
    public var valueLabels: [String: Tensor]
    public var subjects: [String]
    public var windowIndices: [Int]

    /// The first view.
    public var inputs: [String: Tensor] { views[0] }
    public var size: Int { windowIndices.count }
}

/// Batches windows into tensors: seeded shuffling per epoch, normalisation, NaN → 0 (after normalisation,
/// i.e. the channel mean), and optional augmented views. A batch is a pure function of (seed, epoch,
/// batch index), so the background prefetch of `epoch(_:)` cannot change what is delivered.
public final class WindowLoader: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var batchSize: Int
        public var shuffle: Bool
        public var dropLast: Bool
        public var seed: UInt64
        public var normalisation: WindowNormalisation
        public var augmentation: AugmentationPipeline?
        /// Views per window; each is augmented independently when `augmentation` is set.
        public var views: Int
        /// Batches prepared ahead by the prefetch thread.
        public var prefetchDepth: Int

        public init(batchSize: Int, shuffle: Bool = true, dropLast: Bool = false, seed: UInt64 = 0,
                    normalisation: WindowNormalisation = .perWindow, augmentation: AugmentationPipeline? = nil,
                    views: Int = 1, prefetchDepth: Int = 4) {
            precondition(batchSize > 0 && views > 0 && prefetchDepth > 0,
                         "WindowLoader.Configuration: batch size \(batchSize), views \(views) and prefetch depth \(prefetchDepth) must be positive")
            self.batchSize = batchSize
            self.shuffle = shuffle
            self.dropLast = dropLast
            self.seed = seed
            self.normalisation = normalisation
            self.augmentation = augmentation
            self.views = views
            self.prefetchDepth = prefetchDepth
        }
    }

    public let windows: WindowSet
    public let configuration: Configuration

    public init(windows: WindowSet, configuration: Configuration) {
        self.windows = windows
        self.configuration = configuration
    }

    public var batchesPerEpoch: Int {
        configuration.dropLast ? windows.windowCount / configuration.batchSize
            : (windows.windowCount + configuration.batchSize - 1) / configuration.batchSize
    }

    /// A seed from several numbers (SplitMix64 finaliser over each in turn).
    static func derivedSeed(_ values: UInt64...) -> UInt64 {
        var state: UInt64 = 0x5EED_0F_5E45_0F11
        for value in values {
            state = (state ^ value) &+ 0x9E37_79B9_7F4A_7C15
            state = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
            state = (state ^ (state >> 27)) &* 0x94D0_49BB_1331_11EB
            state ^= state >> 31
        }
        return state
    }

    /// The window order of `epoch`.
    public func order(epoch: Int) -> [Int] {
        guard configuration.shuffle else { return Array(0..<windows.windowCount) }
        var generator = RandomGenerator(seed: Self.derivedSeed(configuration.seed, 1, UInt64(epoch)))
        return generator.permutation(windows.windowCount)
    }

    /// Batch `index` of `epoch`, built on the calling thread.
    public func batch(epoch: Int, index: Int) -> Batch {
        batch(epoch: epoch, index: index, order: order(epoch: epoch))
    }

    /// Rows `rows` of batch `index` of `epoch` (one data-parallel rank's part): the same windows,
    /// values and augmentation draws as those rows of the whole batch, without building the others.
    public func batch(epoch: Int, index: Int, rows: Range<Int>) -> Batch {
        batch(epoch: epoch, index: index, order: order(epoch: epoch), rows: rows)
    }

    func batch(epoch: Int, index: Int, order: [Int], rows: Range<Int>? = nil) -> Batch {
        precondition(index >= 0 && index < batchesPerEpoch, "WindowLoader.batch: index \(index) outside 0..<\(batchesPerEpoch)")
        let all = Array(order[(index * configuration.batchSize)..<min(order.count, (index + 1) * configuration.batchSize)])
        let kept = rows ?? all.indices
        precondition(kept.lowerBound >= 0 && kept.upperBound <= all.count, "WindowLoader.batch: rows \(kept) outside 0..<\(all.count)")
        let members = Array(all[kept])
        let count = members.count
        var generator = RandomGenerator(seed: Self.derivedSeed(configuration.seed, 2, UInt64(epoch), UInt64(index)))
        var views: [[String: Tensor]] = []
        for _ in 0..<configuration.views {
            var view: [String: Tensor] = [:]
            let tensors = windows.modalities.map { Tensor(uninitializedShape: [count, $0.samplesPerWindow, $0.channelCount]) }
            let pointers = tensors.map { tensor in tensor.withUnsafeMutableBufferPointer { $0.baseAddress! } }
            withExtendedLifetime(tensors) {
                // Rows before the kept ones still take their augmentation generator, so each row's draws
                // do not depend on which rows are built.
                if configuration.augmentation != nil { for _ in 0..<kept.lowerBound { _ = generator.split() } }
                for (slot, window) in members.enumerated() {
                    var buffers: [UnsafeMutableBufferPointer<Float>] = []
                    for (modality, layout) in windows.modalities.enumerated() {
                        let width = layout.valuesPerWindow
                        let target = UnsafeMutableBufferPointer(start: pointers[modality] + slot * width, count: width)
                        windows.values[layout.name]!.withUnsafeBufferPointer { source in
                            _ = target.initialize(from: source[(window * width)..<((window + 1) * width)])
                        }
                        normalise(target, layout: layout)
                        buffers.append(target)
                    }
                    if let augmentation = configuration.augmentation {
                        var windowGenerator = generator.split()
                        augmentation.apply(to: WindowBuffers(layouts: windows.modalities, buffers: buffers), generator: &windowGenerator)
                    }
                }
                if configuration.augmentation != nil { for _ in kept.upperBound..<all.count { _ = generator.split() } }
            }
            for (layout, tensor) in zip(windows.modalities, tensors) { view[layout.name] = tensor }
            views.append(view)
        }
        return Batch(views: views,
                     classLabels: windows.classLabels.mapValues { labels in members.map { labels[$0] } },
                     valueLabels: windows.valueLabels.mapValues { labels in Tensor(shape: [count], scalars: members.map { labels[$0] }) },
                     subjects: members.map { windows.subject(ofWindow: $0) }, windowIndices: members)
    }

    /// Scales one window of one modality in place and replaces NaN by 0.
    func normalise(_ buffer: UnsafeMutableBufferPointer<Float>, layout: ModalityLayout) {
        let channels = layout.channelCount
        for channel in 0..<channels {
            var mean: Float = 0, scale: Float = 1
            switch configuration.normalisation {
            case .none:
                break
            case .perWindow:
                var sum = 0.0, squares = 0.0, valid = 0
                for i in stride(from: channel, to: buffer.count, by: channels) where !buffer[i].isNaN {
                    sum += Double(buffer[i]); squares += Double(buffer[i]) * Double(buffer[i]); valid += 1
                }
                if valid > 0 {
                    let average = sum / Double(valid)
                    let deviation = max(0, squares / Double(valid) - average * average).squareRoot()
                    mean = Float(average)
                    scale = deviation > 1e-6 ? Float(1 / deviation) : 0
                }
            case .statistics(let table):
                if let statistics = table[layout.name], channel < statistics.mean.count {
                    mean = statistics.mean[channel]
                    scale = statistics.standardDeviation[channel] > 1e-12 ? 1 / statistics.standardDeviation[channel] : 1
                }
            }
            for i in stride(from: channel, to: buffer.count, by: channels) {
                let value = (buffer[i] - mean) * scale
                buffer[i] = value.isNaN ? 0 : value
            }
        }
    }

    /// The batches of `epoch` in order, prepared ahead on a background thread.
    public func epoch(_ epoch: Int) -> EpochIterator { EpochIterator(loader: self, epoch: epoch) }
}

/// Delivers one epoch's batches in order while a dedicated thread builds the next ones into a bounded
/// queue. Dropping the iterator stops the thread.
public final class EpochIterator: IteratorProtocol, Sequence {
    private let queue: PrefetchQueue

    init(loader: WindowLoader, epoch: Int) {
        let queue = PrefetchQueue(capacity: loader.configuration.prefetchDepth, total: loader.batchesPerEpoch)
        self.queue = queue
        let thread = Thread {
            let order = loader.order(epoch: epoch)
            for index in 0..<loader.batchesPerEpoch {
                guard queue.waitForRoom() else { return }
                queue.push(loader.batch(epoch: epoch, index: index, order: order))
            }
        }
        thread.name = "sensorfm.loader.prefetch"
        thread.start()
    }

    deinit { queue.cancel() }

    public func next() -> Batch? { queue.pop() }
}

/// A bounded first-in first-out queue between the prefetch thread and the consumer.
final class PrefetchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Batch] = []
    private let capacity: Int
    private let total: Int
    private var delivered = 0
    private var cancelled = false

    init(capacity: Int, total: Int) {
        self.capacity = capacity
        self.total = total
    }

    /// Blocks while the queue is full; false once cancelled.
    func waitForRoom() -> Bool {
        condition.lock(); defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        return !cancelled
    }

    func push(_ batch: Batch) {
        condition.lock(); defer { condition.unlock() }
        items.append(batch)
        condition.broadcast()
    }

    /// The next batch, waiting for the producer; nil after the last one.
    func pop() -> Batch? {
        condition.lock(); defer { condition.unlock() }
        guard delivered < total else { return nil }
        while items.isEmpty && !cancelled { condition.wait() }
        guard !items.isEmpty else { return nil }
        delivered += 1
        let batch = items.removeFirst()
        condition.broadcast()
        return batch
    }

    func cancel() {
        condition.lock(); defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
    }
}
