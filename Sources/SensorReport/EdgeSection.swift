import Foundation

/// The student / edge part of a report: what each deployable model costs and how close it stays to its teacher.
public struct EdgeSection: Codable, Equatable, Sendable {
    /// Cost of one model variant (teacher, student fp32, student int8, …) on one device.
    public struct Budget: Codable, Equatable, Sendable {
        public var model: String
        public var parameters: Int
        public var weightBytes: Int
        /// Peak activation memory during inference, as planned (estimated before running anything).
        public var arenaBytes: Int
        /// The arena the real runtime needed (TFLite Micro's smallest accepted `arena_size`), when it was measured;
        /// the device limit is then checked against this figure.
        public var measuredArenaBytes: Int?
        /// Multiply-accumulates for one window.
        public var multiplyAccumulates: Int
        /// Estimated latency for one window on `device`, in milliseconds.
        public var latencyMilliseconds: Double
        public var device: String

        public init(model: String, parameters: Int, weightBytes: Int, arenaBytes: Int, measuredArenaBytes: Int? = nil,
                    multiplyAccumulates: Int, latencyMilliseconds: Double, device: String = "") {
            self.model = model
            self.parameters = parameters
            self.weightBytes = weightBytes
            self.arenaBytes = arenaBytes
            self.measuredArenaBytes = measuredArenaBytes
            self.multiplyAccumulates = multiplyAccumulates
            self.latencyMilliseconds = latencyMilliseconds
            self.device = device
        }
    }

    /// A device's limits; a budget row that exceeds one is marked in the rendering.
    public struct DeviceLimits: Codable, Equatable, Sendable {
        public var device: String
        public var weightBytes: Int?
        public var arenaBytes: Int?
        public var latencyMilliseconds: Double?

        public init(device: String, weightBytes: Int? = nil, arenaBytes: Int? = nil, latencyMilliseconds: Double? = nil) {
            self.device = device
            self.weightBytes = weightBytes
            self.arenaBytes = arenaBytes
            self.latencyMilliseconds = latencyMilliseconds
        }
    }

    /// A student's metric beside its teacher's on the same test set.
    public struct Comparison: Codable, Equatable, Sendable {
        public var student: String
        public var metric: String
        public var studentValue: Estimate
        public var teacherValue: Estimate

        public init(student: String, metric: String, studentValue: Estimate, teacherValue: Estimate) {
            self.student = student
            self.metric = metric
            self.studentValue = studentValue
            self.teacherValue = teacherValue
        }
    }

    public var budgets: [Budget]
    public var limits: [DeviceLimits]
    public var comparisons: [Comparison]
    /// Sentences under the tables: how the students were quantized and checked.
    public var notes: [String]

    public init(budgets: [Budget] = [], limits: [DeviceLimits] = [], comparisons: [Comparison] = [], notes: [String] = []) {
        self.budgets = budgets
        self.limits = limits
        self.comparisons = comparisons
        self.notes = notes
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        budgets = try container.decodeIfPresent([Budget].self, forKey: .budgets) ?? []
        limits = try container.decodeIfPresent([DeviceLimits].self, forKey: .limits) ?? []
        comparisons = try container.decodeIfPresent([Comparison].self, forKey: .comparisons) ?? []
        notes = try container.decodeIfPresent([String].self, forKey: .notes) ?? []
    }

    /// `other`'s rows after this section's; a device's limits are listed once.
    public func merged(with other: EdgeSection) -> EdgeSection {
        EdgeSection(budgets: budgets + other.budgets,
                    limits: limits + other.limits.filter { limit in !limits.contains { $0.device == limit.device } },
                    comparisons: comparisons + other.comparisons, notes: notes + other.notes)
    }

    /// Names of the limits `budget` exceeds on its device ("weights", "arena", "latency").
    public func exceededLimits(of budget: Budget) -> [String] {
        guard let limit = limits.first(where: { $0.device == budget.device }) else { return [] }
        var exceeded: [String] = []
        if let bytes = limit.weightBytes, budget.weightBytes > bytes { exceeded.append("weights") }
        if let bytes = limit.arenaBytes, budget.measuredArenaBytes ?? budget.arenaBytes > bytes { exceeded.append("arena") }
        if let latency = limit.latencyMilliseconds, budget.latencyMilliseconds > latency { exceeded.append("latency") }
        return exceeded
    }
}
