import Foundation

/// Draws a confusion matrix as a heatmap: cell colour is the share of the true class (row-normalised, so rare
/// classes stay readable), and each cell prints its count.
struct ConfusionHeatmap {
    var matrix: ConfusionMatrix

    func svg() -> String {
        precondition(matrix.isWellShaped, "ConfusionHeatmap: counts must be \(matrix.labels.count)x\(matrix.labels.count)")
        let classCount = matrix.labels.count
        let cell = max(30, min(80, 520 / Double(max(1, classCount))))
        let longest = matrix.labels.map { min($0.count, 18) }.max() ?? 1
        let labelSpace = 16 + Double(longest) * 7
        let left = labelSpace + 24, top = labelSpace + 24
        let width = left + cell * Double(classCount) + 20
        let height = top + cell * Double(classCount) + 20
        var drawing = SVGBuilder()
        let fontSize = cell >= 40 ? 13.0 : 10.0

        for (row, counts) in matrix.counts.enumerated() {
            let rowTotal = counts.reduce(0, +)
            for (column, count) in counts.enumerated() {
                let share = rowTotal > 0 ? Double(count) / Double(rowTotal) : 0
                let x = left + Double(column) * cell, y = top + Double(row) * cell
                let tooltip = "true \(matrix.labels[row]), predicted \(matrix.labels[column]): \(count) (\(NumberText.percent(share)) of the true class)"
                drawing.rect(x: x, y: y, width: cell, height: cell, fill: Palette.sequentialBlue(share), stroke: "#ffffff",
                             tooltip: tooltip)
                drawing.text(String(count), x: x + cell / 2, y: y + cell / 2 + fontSize * 0.35, anchor: "middle", size: fontSize,
                             fill: share > 0.5 ? "#ffffff" : "#1a1a1a", bold: row == column)
            }
        }
        for (index, label) in matrix.labels.enumerated() {
            let short = abbreviated(label, limit: 18)
            let centre = Double(index) * cell + cell / 2
            drawing.text(short, x: left - 6, y: top + centre + 4, anchor: "end", size: 11)
            drawing.text(short, x: left + centre + 4, y: top - 6, anchor: "start", size: 11, rotated: true)
        }
        drawing.text("predicted", x: left + cell * Double(classCount) / 2, y: 14, anchor: "middle", size: 12, bold: true)
        drawing.text("true", x: 14, y: top + cell * Double(classCount) / 2, anchor: "middle", size: 12, bold: true, rotated: true)
        return drawing.svg(width: width, height: height, title: matrix.title, className: "heatmap")
    }
}
