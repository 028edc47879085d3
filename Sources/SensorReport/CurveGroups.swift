import Foundation

/// Series that share one chart: the total loss with its per-objective terms, or one objective's per-modality terms.
public struct CurveGroup: Equatable, Sendable {
    /// The key prefix the series share ("loss", "loss.masked"), or the whole key for a series on its own.
    public var name: String
    /// Series with their legend names (the key's last part; "total" for the bare prefix), sorted by legend name
    /// with "total" first.
    public var members: [(legend: String, series: MetricSeries)]

    public static func == (left: CurveGroup, right: CurveGroup) -> Bool {
        left.name == right.name && left.members.map(\.legend) == right.members.map(\.legend)
            && left.members.map(\.series) == right.members.map(\.series)
    }
}

extension TrainingCurves {
    /// Groups series by key structure. Keys split on "." or "/": `loss` and `loss.masked` chart together as the
    /// total and one objective; `loss.masked.ppg` and `loss.masked.acc` chart together as that objective's
    /// modalities. Groups are sorted by name.
    public var chartGroups: [CurveGroup] {
        var members: [String: [(legend: String, series: MetricSeries)]] = [:]
        let keys = Set(series.map(\.key))
        for item in series {
            let parts = item.key.split(whereSeparator: { $0 == "." || $0 == "/" }).map(String.init)
            if parts.count >= 2 {
                let prefix = parts.dropLast().joined(separator: ".")
                members[prefix, default: []].append((parts[parts.count - 1], item))
            } else if keys.contains(where: { $0.hasPrefix(item.key + ".") || $0.hasPrefix(item.key + "/") }) {
                members[item.key, default: []].append(("total", item))
            } else {
                members[item.key, default: []].append((item.key, item))
            }
        }
        return members.keys.sorted().map { name in
            let sorted = (members[name] ?? []).sorted { left, right in
                if (left.legend == "total") != (right.legend == "total") { return left.legend == "total" }
                return left.legend < right.legend
            }
            return CurveGroup(name: name, members: sorted)
        }
    }
}
