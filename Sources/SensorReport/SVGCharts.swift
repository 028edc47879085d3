import Foundation

/// One axis of a chart: its title, scale, and whether values are fractions shown as percentages.
struct ChartAxis {
    var title: String
    var logarithmic = false
    var percent = false
}

/// A curve with an optional confidence band (lower, upper at the same x as the point).
struct ChartLine {
    var name: String
    var points: [(x: Double, y: Double)]
    var band: [(x: Double, lower: Double, upper: Double)] = []
    var showsMarkers = false
}

/// A set of scatter points drawn in one colour and shape.
struct ChartPointGroup {
    var name: String
    var points: [(x: Double, y: Double)]
}

/// A labelled horizontal line across the plot (bias, limits of agreement).
struct ChartReferenceLine {
    var y: Double
    var label: String
    var dashed: Bool
}

/// Draws line and scatter charts with axes, nice ticks, grid lines and a legend on the right.
/// Non-finite values and non-positive values on a logarithmic axis are left out rather than drawn.
struct XYChart {
    var title: String
    var xAxis: ChartAxis
    var yAxis: ChartAxis
    var lines: [ChartLine] = []
    var groups: [ChartPointGroup] = []
    var referenceLines: [ChartReferenceLine] = []

    static let width = 680.0, height = 340.0
    static let left = 70.0, top = 16.0, bottom = 54.0, legendWidth = 170.0
    var plotRight: Double { Self.width - Self.legendWidth - 12 }
    var plotBottom: Double { Self.height - Self.bottom }

    func svg() -> String {
        var xs: [Double] = [], ys: [Double] = []
        for line in lines {
            xs += line.points.map(\.x) + line.band.map(\.x)
            ys += line.points.map(\.y) + line.band.flatMap { [$0.lower, $0.upper] }
        }
        for group in groups {
            xs += group.points.map(\.x)
            ys += group.points.map(\.y)
        }
        ys += referenceLines.map(\.y)
        let usableX = xs.filter { usable($0, on: xAxis) }, usableY = ys.filter { usable($0, on: yAxis) }
        var drawing = SVGBuilder()
        guard let xLow = usableX.min(), let xHigh = usableX.max(), let yLow = usableY.min(), let yHigh = usableY.max() else {
            drawing.text("no finite data", x: Self.width / 2, y: Self.height / 2, anchor: "middle", size: 14, fill: "#666")
            return drawing.svg(width: Self.width, height: Self.height, title: title)
        }
        let xTicks = ticks(xLow, xHigh, axis: xAxis, count: 7)
        let yTicks = ticks(yLow, yHigh, axis: yAxis, count: 6)
        let mapX = { (value: Double) in self.position(value, ticks: xTicks, from: Self.left, to: self.plotRight) }
        let mapY = { (value: Double) in self.position(value, ticks: yTicks, from: self.plotBottom, to: Self.top) }
        drawAxes(&drawing, xTicks: xTicks, yTicks: yTicks, mapX: mapX, mapY: mapY)

        for (index, line) in lines.enumerated() {
            let color = Palette.color(index)
            let band = line.band.filter { usable($0.x, on: xAxis) && usable($0.lower, on: yAxis) && usable($0.upper, on: yAxis) }
            if band.count > 1 {
                let upper = band.map { (mapX($0.x), mapY($0.upper)) }
                let lower = band.reversed().map { (mapX($0.x), mapY($0.lower)) }
                drawing.polygon(upper + lower, fill: color, opacity: 0.18)
            } else if let single = band.first {
                drawing.line(mapX(single.x), mapY(single.lower), mapX(single.x), mapY(single.upper), stroke: color, width: 2)
            }
            let points = line.points.filter { usable($0.x, on: xAxis) && usable($0.y, on: yAxis) }.map { (mapX($0.x), mapY($0.y)) }
            drawing.polyline(points, stroke: color, width: 2)
            if line.showsMarkers || points.count == 1 {
                for point in points { drawing.marker(.circle, x: point.0, y: point.1, radius: 3.5, fill: color) }
            }
        }
        let radius = groups.reduce(0) { $0 + $1.points.count } > 400 ? 2.2 : 3.2
        for (index, group) in groups.enumerated() {
            let shape = MarkerShape.forCategory(index)
            for point in group.points where usable(point.x, on: xAxis) && usable(point.y, on: yAxis) {
                drawing.marker(shape, x: mapX(point.x), y: mapY(point.y), radius: radius, fill: Palette.color(index), opacity: 0.75)
            }
        }
        for reference in referenceLines where usable(reference.y, on: yAxis) {
            let y = mapY(reference.y)
            drawing.line(Self.left, y, plotRight, y, stroke: "#444", width: 1.2, dashed: reference.dashed)
            drawing.text(reference.label, x: plotRight - 4, y: y - 4, anchor: "end", size: 11, fill: "#333", halo: true)
        }
        drawLegend(&drawing)
        return drawing.svg(width: Self.width, height: Self.height, title: title)
    }

    private func usable(_ value: Double, on axis: ChartAxis) -> Bool {
        value.isFinite && (!axis.logarithmic || value > 0)
    }

    private func ticks(_ low: Double, _ high: Double, axis: ChartAxis, count: Int) -> AxisTicks {
        if axis.logarithmic {
            let first = pow(10, floor(log10(low) + 1e-9)), last = pow(10, ceil(log10(high) - 1e-9))
            // Keep the data's ends when they sit inside the outer decades, so a 1 %…100 % sweep fills the width.
            return AxisTicks.logarithmic(lower: low == high ? first : low, upper: low == high ? last : high)
        }
        return AxisTicks.linear(lower: low, upper: high, targetCount: count)
    }

    private func position(_ value: Double, ticks: AxisTicks, from start: Double, to end: Double) -> Double {
        let fraction: Double
        if ticks.isLogarithmic {
            let low = log10(ticks.lower), high = log10(ticks.upper)
            fraction = high > low ? (log10(value) - low) / (high - low) : 0.5
        } else {
            fraction = ticks.upper > ticks.lower ? (value - ticks.lower) / (ticks.upper - ticks.lower) : 0.5
        }
        let inset = ticks.isLogarithmic ? 0.03 : 0
        return start + (end - start) * (inset + fraction * (1 - 2 * inset))
    }

    private func drawAxes(_ drawing: inout SVGBuilder, xTicks: AxisTicks, yTicks: AxisTicks,
                          mapX: (Double) -> Double, mapY: (Double) -> Double) {
        for value in yTicks.values {
            let y = mapY(value)
            drawing.line(Self.left, y, plotRight, y, stroke: "#e3e3e3")
            drawing.text(yTicks.label(value, percent: yAxis.percent), x: Self.left - 6, y: y + 4, anchor: "end", size: 11, fill: "#444")
        }
        for value in xTicks.values {
            let x = mapX(value)
            drawing.line(x, Self.top, x, plotBottom, stroke: "#efefef")
            drawing.line(x, plotBottom, x, plotBottom + 5, stroke: "#444")
            drawing.text(xTicks.label(value, percent: xAxis.percent), x: x, y: plotBottom + 18, anchor: "middle", size: 11, fill: "#444")
        }
        drawing.line(Self.left, plotBottom, plotRight, plotBottom, stroke: "#444")
        drawing.line(Self.left, Self.top, Self.left, plotBottom, stroke: "#444")
        let xTitle = xAxis.title + (xAxis.logarithmic ? " (log scale)" : "")
        drawing.text(xTitle, x: (Self.left + plotRight) / 2, y: Self.height - 10, anchor: "middle", size: 12)
        drawing.text(abbreviated(yAxis.title, limit: 40), x: 16, y: (Self.top + plotBottom) / 2, anchor: "middle", size: 12, rotated: true)
    }

    private func drawLegend(_ drawing: inout SVGBuilder) {
        let names = lines.map(\.name) + groups.map(\.name)
        guard names.count > 1 else { return }
        let x = plotRight + 16
        let rowHeight = 18.0
        let visible = min(names.count, Int((plotBottom - Self.top) / rowHeight))
        for index in 0..<visible {
            let y = Self.top + 10 + Double(index) * rowHeight
            if index < lines.count {
                drawing.line(x, y, x + 18, y, stroke: Palette.color(index), width: 3)
            } else {
                let groupIndex = index - lines.count
                drawing.marker(MarkerShape.forCategory(groupIndex), x: x + 9, y: y, radius: 4.5, fill: Palette.color(groupIndex))
            }
            drawing.text(abbreviated(names[index], limit: 21), x: x + 24, y: y + 4, size: 12)
        }
        if visible < names.count {
            drawing.text("+\(names.count - visible) more", x: x + 24, y: Self.top + 10 + Double(visible) * rowHeight + 4, size: 11, fill: "#666")
        }
    }
}
