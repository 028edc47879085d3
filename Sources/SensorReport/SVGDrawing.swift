import Foundation

/// Escapes text for HTML and SVG content and attribute values. Every user-provided string (config text, labels,
/// run names) goes through this before it reaches the page.
public enum HTMLText {
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            // Control characters other than tab and newline are not allowed in XML; show them as U+FFFD.
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": result += "\u{FFFD}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

/// Okabe and Ito's colour-blind-safe categorical palette (2008), ordered for contrast on white; beyond eight
/// categories the marker shape changes as well.
public enum Palette {
    public static let colors = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#B8A200"]

    public static func color(_ index: Int) -> String { colors[index % colors.count] }

    /// Sequential white-to-blue scale for heatmaps; `fraction` in 0...1.
    public static func sequentialBlue(_ fraction: Double) -> String {
        let t = min(1, max(0, fraction.isFinite ? fraction : 0))
        let start = (247.0, 251.0, 255.0), end = (8.0, 48.0, 107.0)
        func channel(_ a: Double, _ b: Double) -> String {
            let value = Int((a + (b - a) * t).rounded())
            let hex = String(value, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }
        return "#" + channel(start.0, end.0) + channel(start.1, end.1) + channel(start.2, end.2)
    }
}

/// Marker shapes that, together with colour, keep up to 32 categories apart.
enum MarkerShape: CaseIterable {
    case circle, square, triangle, diamond

    static func forCategory(_ index: Int) -> MarkerShape {
        allCases[(index / Palette.colors.count) % allCases.count]
    }
}

/// Accumulates SVG elements as text. Coordinates print with two decimals so output is stable byte for byte.
struct SVGBuilder {
    private(set) var elements: [String] = []

    static func coordinate(_ value: Double) -> String { NumberText.fixed(value, decimals: 2) }

    mutating func raw(_ element: String) { elements.append(element) }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1,
                       dashed: Bool = false) {
        let c = Self.coordinate
        let dash = dashed ? " stroke-dasharray=\"5 4\"" : ""
        elements.append("<line x1=\"\(c(x1))\" y1=\"\(c(y1))\" x2=\"\(c(x2))\" y2=\"\(c(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(c(width))\"\(dash)/>")
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
                       tooltip: String? = nil) {
        let c = Self.coordinate
        let strokeText = stroke.map { " stroke=\"\($0)\"" } ?? ""
        let open = "<rect x=\"\(c(x))\" y=\"\(c(y))\" width=\"\(c(width))\" height=\"\(c(height))\" fill=\"\(fill)\"\(strokeText)"
        if let tooltip {
            elements.append(open + "><title>\(HTMLText.escape(tooltip))</title></rect>")
        } else {
            elements.append(open + "/>")
        }
    }

    /// Text at (x, y); `anchor` is start, middle or end; `rotated` turns it a quarter anticlockwise about (x, y).
    mutating func text(_ content: String, x: Double, y: Double, anchor: String = "start", size: Double = 12,
                       fill: String = "#222", bold: Bool = false, rotated: Bool = false, halo: Bool = false) {
        let c = Self.coordinate
        // A white outline drawn under the glyphs keeps labels readable over points and lines.
        let outline = halo ? " stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\"" : ""
        let weight = (bold ? " font-weight=\"bold\"" : "") + outline
        let rotation = rotated ? " transform=\"rotate(-90 \(c(x)) \(c(y)))\"" : ""
        elements.append("<text x=\"\(c(x))\" y=\"\(c(y))\" text-anchor=\"\(anchor)\" font-size=\"\(c(size))\" fill=\"\(fill)\"\(weight)\(rotation)>\(HTMLText.escape(content))</text>")
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2) {
        guard points.count > 1 else { return }
        elements.append("<polyline points=\"\(Self.pointList(points))\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.coordinate(width))\" stroke-linejoin=\"round\"/>")
    }

    mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double) {
        guard points.count > 2 else { return }
        elements.append("<polygon points=\"\(Self.pointList(points))\" fill=\"\(fill)\" fill-opacity=\"\(Self.coordinate(opacity))\" stroke=\"none\"/>")
    }

    mutating func marker(_ shape: MarkerShape, x: Double, y: Double, radius: Double, fill: String, opacity: Double = 1) {
        let c = Self.coordinate
        let paint = "fill=\"\(fill)\" fill-opacity=\"\(c(opacity))\""
        switch shape {
        case .circle:
            elements.append("<circle cx=\"\(c(x))\" cy=\"\(c(y))\" r=\"\(c(radius))\" \(paint)/>")
        case .square:
            elements.append("<rect x=\"\(c(x - radius))\" y=\"\(c(y - radius))\" width=\"\(c(2 * radius))\" height=\"\(c(2 * radius))\" \(paint)/>")
        case .triangle:
            let points = [(x, y - radius * 1.2), (x + radius * 1.1, y + radius * 0.8), (x - radius * 1.1, y + radius * 0.8)]
            elements.append("<polygon points=\"\(Self.pointList(points))\" \(paint)/>")
        case .diamond:
            let points = [(x, y - radius * 1.3), (x + radius * 1.3, y), (x, y + radius * 1.3), (x - radius * 1.3, y)]
            elements.append("<polygon points=\"\(Self.pointList(points))\" \(paint)/>")
        }
    }

    /// The finished `<svg>` element, scaled to its container's width.
    /// `className` lets the stylesheet size charts (`chart` grows to the page width) apart from heatmaps.
    func svg(width: Double, height: Double, title: String, className: String = "chart") -> String {
        let c = Self.coordinate
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"\(className)\" viewBox=\"0 0 \(c(width)) \(c(height))\" width=\"\(c(width))\" height=\"\(c(height))\" role=\"img\" font-family=\"Helvetica, Arial, sans-serif\"><title>\(HTMLText.escape(title))</title>"
            + elements.joined() + "</svg>"
    }

    private static func pointList(_ points: [(Double, Double)]) -> String {
        points.map { coordinate($0.0) + "," + coordinate($0.1) }.joined(separator: " ")
    }
}

/// Shortens a label for a legend or an axis, keeping its start; the full text stays in a tooltip or table.
func abbreviated(_ text: String, limit: Int) -> String {
    text.count <= limit ? text : String(text.prefix(max(1, limit - 1))) + "…"
}
