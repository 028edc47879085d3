import Foundation
import SensorTensor

/// How a synthetic subject spends the recording.
public enum SyntheticScheduleKind: Sendable, Equatable, Codable {
    /// A plausible day starting at `startHour` (0-24, clock time): sleep until 6:30-7:30, a morning
    /// routine, a commute on foot or by bicycle, desk work broken by short walks, a lunch walk, the
    /// commute home, an evening run (with warm-up and cool-down walks) or ride on most days, rest, sleep
    /// from 22:30-23:30. Stress episodes (10-20 min, like a talk or an exam) fall in working hours and an
    /// amusement episode (a comedy) in the evening. Longer recordings repeat days with fresh draws.
    case day(startHour: Double)
    /// Every activity in turn, in a fresh random order each round, each `segmentSeconds` long; rest
    /// segments cycle through baseline, stress and amusement. For short recordings that must contain
    /// every class (tests, quick experiments).
    case balanced(segmentSeconds: Double)
}

/// A contiguous stretch of one activity, in seconds from the recording start.
struct ActivitySegment: Sendable, Equatable {
    var start: Double
    var end: Double
    var activity: SyntheticActivity
}

/// A stretch of non-baseline arousal, in seconds from the recording start.
struct ArousalEpisode: Sendable, Equatable {
    var start: Double
    var end: Double
    var state: SyntheticArousal
}

/// The activity segments and arousal episodes of one synthetic recording.
struct SyntheticSchedule: Sendable {
    var duration: Double
    var segments: [ActivitySegment]
    var episodes: [ArousalEpisode]

    init(kind: SyntheticScheduleKind, duration: Double, profile: SyntheticProfile, generator g: inout RandomGenerator) {
        self.duration = duration
        switch kind {
        case .balanced(let segmentSeconds):
            precondition(segmentSeconds > 0, "SyntheticSchedule: balanced segment length must be positive, got \(segmentSeconds)")
            (segments, episodes) = Self.balanced(duration: duration, segmentSeconds: segmentSeconds, generator: &g)
        case .day(let startHour):
            precondition((0...24).contains(startHour), "SyntheticSchedule: start hour \(startHour) outside 0...24")
            (segments, episodes) = Self.days(duration: duration, startHour: startHour, profile: profile, generator: &g)
        }
    }

    private static func balanced(duration: Double, segmentSeconds: Double, generator g: inout RandomGenerator)
        -> ([ActivitySegment], [ArousalEpisode]) {
        var segments: [ActivitySegment] = []
        var episodes: [ArousalEpisode] = []
        var time = 0.0
        var restCount = 0
        while time < duration {
            for index in g.permutation(SyntheticActivity.allCases.count) where time < duration {
                let activity = SyntheticActivity.allCases[index]
                let end = min(duration, time + segmentSeconds)
                segments.append(ActivitySegment(start: time, end: end, activity: activity))
                if activity == .rest {
                    let state = SyntheticArousal.allCases[restCount % SyntheticArousal.allCases.count]
                    if state != .baseline { episodes.append(ArousalEpisode(start: time, end: end, state: state)) }
                    restCount += 1
                }
                time = end
            }
        }
        return (segments, episodes)
    }

    /// A segment of a day plan in clock seconds, tagged by where arousal episodes may fall.
    private struct PlannedSegment {
        enum Context { case other, work, evening }
        var start: Double, end: Double, activity: SyntheticActivity, context: Context
    }

    private static func days(duration: Double, startHour: Double, profile: SyntheticProfile,
                             generator g: inout RandomGenerator) -> ([ActivitySegment], [ArousalEpisode]) {
        let clockStart = startHour * 3600
        let clockEnd = clockStart + duration
        var segments: [ActivitySegment] = []
        var episodes: [ArousalEpisode] = []
        var dayStart = 0.0
        while dayStart < clockEnd {
            let plan = dayPlan(profile: profile, generator: &g)
            for planned in plan {
                let start = max(planned.start + dayStart, clockStart) - clockStart
                let end = min(planned.end + dayStart, clockEnd) - clockStart
                guard end > start else { continue }
                if let last = segments.last, last.activity == planned.activity, abs(last.end - start) < 1e-9 {
                    segments[segments.count - 1].end = end
                } else {
                    segments.append(ActivitySegment(start: start, end: end, activity: planned.activity))
                }
            }
            for episode in dayEpisodes(plan: plan, generator: &g) {
                let start = max(episode.start + dayStart, clockStart) - clockStart
                let end = min(episode.end + dayStart, clockEnd) - clockStart
                if end > start { episodes.append(ArousalEpisode(start: start, end: end, state: episode.state)) }
            }
            dayStart += 86_400
        }
        return (segments, episodes)
    }

    /// One day from midnight to midnight, in clock seconds.
    private static func dayPlan(profile: SyntheticProfile, generator g: inout RandomGenerator) -> [PlannedSegment] {
        func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * g.nextUniformDouble() }
        var plan: [PlannedSegment] = []
        var clock = 0.0
        func add(_ activity: SyntheticActivity, minutes: Double, _ context: PlannedSegment.Context = .other) {
            let end = min(86_400, clock + minutes * 60)
            guard end > clock else { return }
            plan.append(PlannedSegment(start: clock, end: end, activity: activity, context: context))
            clock = end
        }
        func until(_ hour: Double) -> Double { max(0, (hour * 3600 - clock) / 60) }
        func commute() {
            if profile.commutesByBicycle { add(.cycle, minutes: uniform(15, 30)) } else { add(.walk, minutes: uniform(10, 25)) }
        }
        func work(untilHour hour: Double) {
            while clock < hour * 3600 - 300 {
                add(.rest, minutes: min(uniform(45, 110), until(hour)), .work)
                if clock < hour * 3600 - 300 { add(.walk, minutes: uniform(3, 8)) }
            }
        }
        add(.sleep, minutes: until(uniform(6.5, 7.5)))
        add(.rest, minutes: uniform(20, 40))
        commute()
        work(untilHour: uniform(12, 12.5))
        add(.walk, minutes: uniform(10, 20))
        add(.rest, minutes: uniform(20, 40))
        add(.walk, minutes: uniform(5, 10))
        work(untilHour: uniform(16.75, 17.5))
        commute()
        add(.rest, minutes: uniform(20, 60), .evening)
        if g.nextUniform() < 0.75 {
            if profile.exercisesByRunning {
                add(.walk, minutes: 5)
                add(.run, minutes: uniform(20, 45))
                add(.walk, minutes: 5)
            } else {
                add(.cycle, minutes: uniform(30, 60))
            }
        }
        add(.rest, minutes: until(uniform(22.5, 23.5)), .evening)
        add(.sleep, minutes: until(24))
        return plan
    }

    /// One or two stress episodes in working rest, and one amusement episode in evening rest.
    private static func dayEpisodes(plan: [PlannedSegment], generator g: inout RandomGenerator) -> [ArousalEpisode] {
        func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * g.nextUniformDouble() }
        var episodes: [ArousalEpisode] = []
        func place(_ state: SyntheticArousal, minutes: Double, in candidates: [PlannedSegment]) {
            let length = minutes * 60
            let fitting = candidates.filter { $0.end - $0.start >= length + 600 }
            guard !fitting.isEmpty else { return }
            let segment = fitting[g.nextInt(below: fitting.count)]
            let start = segment.start + 300 + uniform(0, segment.end - segment.start - length - 600)
            if episodes.contains(where: { $0.start < start + length && start < $0.end }) { return }
            episodes.append(ArousalEpisode(start: start, end: start + length, state: state))
        }
        let workRest = plan.filter { $0.context == .work }
        let eveningRest = plan.filter { $0.context == .evening }
        for _ in 0..<(1 + g.nextInt(below: 2)) { place(.stress, minutes: uniform(10, 20), in: workRest) }
        place(.amusement, minutes: uniform(10, 25), in: eveningRest)
        return episodes.sorted { $0.start < $1.start }
    }

    /// Activity and arousal codes sampled at `rate` Hz (nearest preceding segment), `count` samples.
    func codes(rate: Double, count: Int) -> (activity: [UInt8], arousal: [UInt8]) {
        var activity = [UInt8](repeating: UInt8(SyntheticActivity.rest.rawValue), count: count)
        var arousal = [UInt8](repeating: UInt8(SyntheticArousal.baseline.rawValue), count: count)
        func fill(_ codes: inout [UInt8], start: Double, end: Double, value: Int) {
            let first = max(0, Int((start * rate).rounded(.up)))
            let last = min(count, Int((end * rate).rounded(.up)))
            if first < last { for i in first..<last { codes[i] = UInt8(value) } }
        }
        for segment in segments { fill(&activity, start: segment.start, end: segment.end, value: segment.activity.rawValue) }
        for episode in episodes { fill(&arousal, start: episode.start, end: episode.end, value: episode.state.rawValue) }
        return (activity, arousal)
    }
}
