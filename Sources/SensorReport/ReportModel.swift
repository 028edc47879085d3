import Foundation

/// Everything a report shows, as plain results (no tensors). The CLI fills it from run folders; the renderers
/// turn it into HTML and Markdown. Every section is optional: empty arrays and `nil` are simply not rendered,
/// and missing keys decode as empty so hand-written JSON can hold only what it has.
public struct Report: Codable, Equatable, Sendable {
    public var title: String
    /// Where each run came from; one entry per run folder.
    public var runs: [RunProvenance]
    /// Training curves, one set per run.
    public var trainingCurves: [TrainingCurves]
    /// Label-efficiency studies, one per task and metric.
    public var labelEfficiency: [LabelEfficiencyStudy]
    public var confusionMatrices: [ConfusionMatrix]
    public var blandAltman: [BlandAltmanPlot]
    public var embeddingMaps: [EmbeddingMap]
    public var metricTables: [MetricTable]
    public var edge: EdgeSection?
    /// Problems found while collecting results (a missing checkpoint, an empty class), shown prominently.
    public var warnings: [String]

    public init(title: String, runs: [RunProvenance] = [], trainingCurves: [TrainingCurves] = [],
                labelEfficiency: [LabelEfficiencyStudy] = [], confusionMatrices: [ConfusionMatrix] = [],
                blandAltman: [BlandAltmanPlot] = [], embeddingMaps: [EmbeddingMap] = [],
                metricTables: [MetricTable] = [], edge: EdgeSection? = nil, warnings: [String] = []) {
        self.title = title
        self.runs = runs
        self.trainingCurves = trainingCurves
        self.labelEfficiency = labelEfficiency
        self.confusionMatrices = confusionMatrices
        self.blandAltman = blandAltman
        self.embeddingMaps = embeddingMaps
        self.metricTables = metricTables
        self.edge = edge
        self.warnings = warnings
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        title = try container.decodeIfPresent(String.self, forKey: .title) ?? "SensorFM report"
        runs = try container.decodeIfPresent([RunProvenance].self, forKey: .runs) ?? []
        trainingCurves = try container.decodeIfPresent([TrainingCurves].self, forKey: .trainingCurves) ?? []
        labelEfficiency = try container.decodeIfPresent([LabelEfficiencyStudy].self, forKey: .labelEfficiency) ?? []
        confusionMatrices = try container.decodeIfPresent([ConfusionMatrix].self, forKey: .confusionMatrices) ?? []
        blandAltman = try container.decodeIfPresent([BlandAltmanPlot].self, forKey: .blandAltman) ?? []
        embeddingMaps = try container.decodeIfPresent([EmbeddingMap].self, forKey: .embeddingMaps) ?? []
        metricTables = try container.decodeIfPresent([MetricTable].self, forKey: .metricTables) ?? []
        edge = try container.decodeIfPresent(EdgeSection.self, forKey: .edge)
        warnings = try container.decodeIfPresent([String].self, forKey: .warnings) ?? []
    }
}

/// Provenance of one run folder: what made it (config, code, data, seeds, machine), never when or how long.
public struct RunProvenance: Codable, Equatable, Sendable {
    public var name: String
    /// The resolved configuration as written in the run folder (`sensorfm report` cuts absolute paths to their
    /// last component).
    public var configText: String
    public var codeVersion: String
    public var dataManifestHash: String
    public var seeds: [UInt64]
    public var machine: String
    /// Further facts (split subjects, checkpoint hash); rendered sorted by key.
    public var details: [String: String]

    public init(name: String, configText: String = "", codeVersion: String = "", dataManifestHash: String = "",
                seeds: [UInt64] = [], machine: String = "", details: [String: String] = [:]) {
        self.name = name
        self.configText = configText
        self.codeVersion = codeVersion
        self.dataManifestHash = dataManifestHash
        self.seeds = seeds
        self.machine = machine
        self.details = details
    }
}

/// One metric over training steps (a `metrics.jsonl` key).
public struct MetricSeries: Codable, Equatable, Sendable {
    public struct Point: Codable, Equatable, Sendable {
        public var step: Int
        public var value: Double

        public init(step: Int, value: Double) {
            self.step = step
            self.value = value
        }
    }

    public var key: String
    /// Points in file order (steps ascending in a well-formed log).
    public var points: [Point]

    public init(key: String, points: [Point]) {
        self.key = key
        self.points = points
    }
}

/// All series logged by one run.
public struct TrainingCurves: Codable, Equatable, Sendable {
    public var runName: String
    /// Sorted by key.
    public var series: [MetricSeries]

    public init(runName: String, series: [MetricSeries]) {
        self.runName = runName
        self.series = series.sorted { $0.key < $1.key }
    }
}

/// A metric with an optional confidence interval.
public struct Estimate: Codable, Equatable, Sendable {
    public var value: Double
    public var lower: Double?
    public var upper: Double?

    public init(value: Double, lower: Double? = nil, upper: Double? = nil) {
        self.value = value
        self.lower = lower
        self.upper = upper
    }
}

/// Metric against labelled-data fraction for several training methods.
public struct LabelEfficiencyStudy: Codable, Equatable, Sendable {
    /// One method's curve: `fraction` in (0, 1], the metric and its confidence interval at each fraction.
    public struct Series: Codable, Equatable, Sendable {
        public static let pretrainedProbe = "pretrained probe"
        public static let pretrainedFineTune = "pretrained fine-tune"
        public static let scratch = "scratch"
        public static let features = "features"

        public struct Point: Codable, Equatable, Sendable {
            public var fraction: Double
            public var estimate: Estimate

            public init(fraction: Double, estimate: Estimate) {
                self.fraction = fraction
                self.estimate = estimate
            }
        }

        public var method: String
        public var points: [Point]

        public init(method: String, points: [Point]) {
            self.method = method
            self.points = points.sorted { $0.fraction < $1.fraction }
        }
    }

    public var task: String
    public var metric: String
    /// Whether larger values are better (accuracy) or smaller (MAE); shown in the caption.
    public var higherIsBetter: Bool
    public var series: [Series]
    /// What the intervals (the chart's bands, the table's brackets) are, e.g. the bootstrap interval of the seed mean.
    public var intervalNote: String

    public init(task: String, metric: String, higherIsBetter: Bool = true, series: [Series],
                intervalNote: String = "confidence intervals") {
        self.task = task
        self.metric = metric
        self.higherIsBetter = higherIsBetter
        self.series = series
        self.intervalNote = intervalNote
    }
}

/// Counts of true class (rows) against predicted class (columns).
public struct ConfusionMatrix: Codable, Equatable, Sendable {
    public var title: String
    public var labels: [String]
    /// `labels.count` rows of `labels.count` counts; `counts[true][predicted]`.
    public var counts: [[Int]]

    public init(title: String, labels: [String], counts: [[Int]]) {
        self.title = title
        self.labels = labels
        self.counts = counts
    }

    /// Whether `counts` is square and matches `labels`.
    public var isWellShaped: Bool {
        counts.count == labels.count && counts.allSatisfy { $0.count == labels.count }
    }
}

/// Agreement between an estimate and a reference (heart rate against ECG): difference against mean, with the
/// mean difference (bias) and the 95 % limits of agreement (bias ± 1.96 SD), computed by the caller.
public struct BlandAltmanPlot: Codable, Equatable, Sendable {
    public struct Point: Codable, Equatable, Sendable {
        public var mean: Double
        public var difference: Double

        public init(mean: Double, difference: Double) {
            self.mean = mean
            self.difference = difference
        }
    }

    public var title: String
    public var unit: String
    public var points: [Point]
    public var bias: Double
    public var lowerLimit: Double
    public var upperLimit: Double

    public init(title: String, unit: String, points: [Point], bias: Double, lowerLimit: Double, upperLimit: Double) {
        self.title = title
        self.unit = unit
        self.points = points
        self.bias = bias
        self.lowerLimit = lowerLimit
        self.upperLimit = upperLimit
    }
}

/// A 2-D projection of embeddings (PCA by the caller), one point per window, coloured by label.
public struct EmbeddingMap: Codable, Equatable, Sendable {
    public struct Point: Codable, Equatable, Sendable {
        public var x: Double
        public var y: Double
        public var label: String

        public init(x: Double, y: Double, label: String) {
            self.x = x
            self.y = y
            self.label = label
        }
    }

    public var title: String
    public var xAxisTitle: String
    public var yAxisTitle: String
    public var points: [Point]

    public init(title: String, xAxisTitle: String = "PC 1", yAxisTitle: String = "PC 2", points: [Point]) {
        self.title = title
        self.xAxisTitle = xAxisTitle
        self.yAxisTitle = yAxisTitle
        self.points = points
    }

    /// Distinct labels, sorted, which fixes each label's colour.
    public var labels: [String] { Array(Set(points.map(\.label))).sorted() }
}

/// Metrics of several methods or models, shown as a table with one row per `row` and one column per `metric`.
public struct MetricTable: Codable, Equatable, Sendable {
    public struct Entry: Codable, Equatable, Sendable {
        public var row: String
        public var metric: String
        public var estimate: Estimate

        public init(row: String, metric: String, estimate: Estimate) {
            self.row = row
            self.metric = metric
            self.estimate = estimate
        }
    }

    public var title: String
    /// A sentence under the table (confidence level, resampling unit).
    public var note: String
    public var entries: [Entry]

    public init(title: String, note: String = "", entries: [Entry]) {
        self.title = title
        self.note = note
        self.entries = entries
    }

    /// Row and column names in order of first appearance (the caller's order, which is deterministic).
    public var rowNames: [String] { Self.firstAppearance(entries.map(\.row)) }
    public var metricNames: [String] { Self.firstAppearance(entries.map(\.metric)) }

    /// The entry at (`row`, `metric`), the last one if repeated.
    public func estimate(row: String, metric: String) -> Estimate? {
        entries.last { $0.row == row && $0.metric == metric }?.estimate
    }

    static func firstAppearance(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
