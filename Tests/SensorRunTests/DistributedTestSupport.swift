import Foundation
@testable import SensorRun

/// N in-process ranks on N threads, for tests: each collective waits for all ranks, combines their
/// buffers in rank order (sums in Double, then rounded, as a reference independent of MPI's order)
/// and hands every rank the result.
final class ThreadGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var arrived = 0
    private var generation = 0
    private var contributions: [[UInt8]?]
    private var result: [UInt8] = []

    init(size: Int) {
        self.size = size
        contributions = Array(repeating: nil, count: size)
    }

    /// Every rank passes its bytes; all get `combine` of them (in rank order).
    func exchange(rank: Int, _ bytes: [UInt8], combine: ([[UInt8]]) -> [UInt8]) -> [UInt8] {
        condition.lock(); defer { condition.unlock() }
        let myGeneration = generation
        contributions[rank] = bytes
        arrived += 1
        if arrived == size {
            result = combine(contributions.map { $0! })
            contributions = Array(repeating: nil, count: size)
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == myGeneration { condition.wait() }
        }
        return result
    }

    /// Runs `body(rank)` on `size` threads and returns their results by rank.
    func run<T>(_ body: @escaping @Sendable (ThreadRankCommunicator) throws -> T) throws -> [T] {
        let results = ResultBox<T>(count: size)
        let group = DispatchGroup()
        for rank in 0..<size {
            group.enter()
            let thread = Thread { [self] in
                results.set(rank, Result { try body(ThreadRankCommunicator(group: self, rank: rank)) })
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        return try results.values.map { try $0!.get() }
    }
}

final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<T, any Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Result<T, any Error>) { lock.lock(); values[index] = value; lock.unlock() }
}

/// One rank of a `ThreadGroup`.
final class ThreadRankCommunicator: Communicator {
    let group: ThreadGroup
    let rank: Int
    var size: Int { group.size }
    private(set) var allReduceCalls = 0

    init(group: ThreadGroup, rank: Int) {
        self.group = group
        self.rank = rank
    }

    private func sum<T: BinaryFloatingPoint>(_ values: UnsafeMutableBufferPointer<T>) {
        allReduceCalls += 1
        let bytes = Array(UnsafeRawBufferPointer(values))
        let combined = group.exchange(rank: rank, bytes) { all in
            let arrays = all.map { bytes in bytes.withUnsafeBytes { Array($0.bindMemory(to: T.self)) } }
            let total = (0..<arrays[0].count).map { i in T(arrays.reduce(0.0) { $0 + Double($1[i]) }) }
            return total.withUnsafeBytes { Array($0) }
        }
        combined.withUnsafeBytes { source in _ = UnsafeMutableRawBufferPointer(values).initializeMemory(as: UInt8.self, from: source) }
    }

    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws { sum(values) }
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws { sum(values) }

    func allGather(_ local: UnsafeBufferPointer<Float>, into gathered: UnsafeMutableBufferPointer<Float>) throws {
        let combined = group.exchange(rank: rank, Array(UnsafeRawBufferPointer(local))) { Array($0.joined()) }
        precondition(combined.count == gathered.count * MemoryLayout<Float>.size, "allGather: rank \(rank) expects \(gathered.count) values")
        combined.withUnsafeBytes { source in _ = UnsafeMutableRawBufferPointer(gathered).initializeMemory(as: UInt8.self, from: source) }
    }

    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {
        let combined = group.exchange(rank: rank, Array(UnsafeRawBufferPointer(bytes))) { $0[root] }
        precondition(combined.count == bytes.count, "broadcast: rank \(rank) has \(bytes.count) bytes, root \(combined.count)")
        combined.withUnsafeBytes { source in _ = bytes.initializeMemory(as: UInt8.self, from: source) }
    }

    func barrier() throws { _ = group.exchange(rank: rank, []) { _ in [] } }
    func abort(code: Int32, message: String) -> Never { fatalError("rank \(rank) aborted with \(code): \(message)") }
    func finalize() {}
}
