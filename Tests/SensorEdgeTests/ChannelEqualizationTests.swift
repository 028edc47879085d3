import Foundation
import Testing
import SensorNN
import SensorTensor
@testable import SensorEdge

/// Cross-layer channel equalization: the float student computes the same outputs afterwards, and every
/// equalized activation's channel peaks move to the closed form `p_i / max(p_i / P, 1/256)^strength`.
@Suite struct ChannelEqualizationTests {
    static let configuration = EdgeSelfCheck.goldenConfiguration

    static func student(seed: UInt64) -> (StudentModel, [Tensor]) {
        let student = EdgeSelfCheck.randomStudent(configuration: configuration, seed: seed)
        var generator = RandomGenerator(seed: seed &+ 100)
        return (student, EdgeStudentTests.randomInputs(16, generator: &generator))
    }

    /// The peak a channel has after equalization with `strength`, from its peak `p` and its tensor's `top`.
    static func expectedPeak(_ p: Float, top: Float, strength: Float) -> Float {
        p / pow(max(p / top, ChannelEqualization.smallestShare), strength)
    }

    static func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-4, _ what: String) {
        #expect(actual.count == expected.count, "\(what): \(actual.count) values for \(expected.count)")
        for (index, (a, b)) in zip(actual, expected).enumerated() {
            #expect(abs(a - b) <= tolerance * max(1, abs(b)), "\(what)[\(index)]: \(a) vs \(b)")
        }
    }

    @Test(arguments: [Float(0.5), 1])
    func outputsAreUnchangedAndPeaksMoveToTheClosedForm(strength: Float) {
        let (student, inputs) = Self.student(seed: 3)
        let before = withNoGrad { student(inputs) }.scalars
        let peaks = withNoGrad { ActivationPeaks(student, inputs: inputs) }
        let hidden = withNoGrad { ActivationPeaks.hidden(student, inputs: inputs) }

        ChannelEqualization.apply(to: student, inputs: inputs, strength: strength)

        Self.expectClose(withNoGrad { student(inputs) }.scalars, before, "outputs")
        let after = withNoGrad { ActivationPeaks(student, inputs: inputs) }
        for (m, units) in peaks.units.enumerated() {
            // Every unit but the last is equalized on its own output; the last one through the pooled features.
            for index in 0..<(units.count - 1) {
                let top = units[index].max()!
                Self.expectClose(after.units[m][index], units[index].map { Self.expectedPeak($0, top: top, strength: strength) },
                                 "modality \(m) unit \(index)")
            }
        }
        let featureTop = peaks.pooled.joined().max()!
        for (m, pooled) in peaks.pooled.enumerated() {
            Self.expectClose(after.pooled[m], pooled.map { Self.expectedPeak($0, top: featureTop, strength: strength) }, "pooled \(m)")
        }
        let hiddenTop = hidden.max()!
        Self.expectClose(withNoGrad { ActivationPeaks.hidden(student, inputs: inputs) },
                         hidden.map { Self.expectedPeak($0, top: hiddenTop, strength: strength) }, "hidden")
        // The random student's channels are uneven, so the check above is not satisfied by leaving them alone.
        #expect(zip(after.units[0][0], peaks.units[0][0]).contains { abs($0 - $1) > 1e-3 })
    }

    @Test func keepsTheStudentsModeAndLeavesRunningStatisticsAlone() {
        let (student, inputs) = Self.student(seed: 5)
        student.train(true)
        let means = student.stems.flatMap { $0.units.map(\.normalization.runningMean.scalars) }
        ChannelEqualization.apply(to: student, inputs: inputs, strength: 0.5)
        #expect(student.isTraining)
        #expect(student.stems.flatMap { $0.units.map(\.normalization.runningMean.scalars) } == means)
    }

    @Test func sharesFloorQuietChannelsAndLeaveASilentTensorAlone() {
        #expect(ChannelEqualization.shares(peaks: [0, 0], strength: 0.5) == [1, 1])
        Self.expectClose(ChannelEqualization.shares(peaks: [4, 1, 0], strength: 0.5), [1, 0.5, 1.0 / 16], "shares")
        Self.expectClose(ChannelEqualization.shares(peaks: [1], tensorPeak: 4, strength: 1), [0.25], "shares against a tensor peak")
    }
}
