import Foundation

/// Checks of the `sensorfm data` arguments, kept out of the command-line target so they can be tested.
/// Each returns nil when the arguments are fine, else one sentence naming the option and the bound.
public enum DataCommandArguments {
    /// Upper bounds that catch typos (`--hours 2400`) rather than limit real use.
    public static let maximumSubjects = 10_000
    public static let maximumHours = 24.0 * 14
    public static let maximumThreads = 512
    public static let maximumWindowSeconds = 3600.0

    /// `--window` and `--stride` of `data import`: positive, finite, a window of at most an hour, and a
    /// stride no longer than ten windows.
    public static func windowProblem(windowSeconds: Double, strideSeconds: Double) -> String? {
        guard windowSeconds.isFinite, windowSeconds > 0, windowSeconds <= maximumWindowSeconds else {
            return "--window must be a number of seconds in (0, \(Int(maximumWindowSeconds))], got \(formatSeconds(windowSeconds))"
        }
        guard strideSeconds.isFinite, strideSeconds > 0, strideSeconds <= 10 * windowSeconds else {
            return "--stride must be a positive number of seconds at most ten windows (\(formatSeconds(10 * windowSeconds)) s), got \(formatSeconds(strideSeconds))"
        }
        return nil
    }

    /// `--subjects`, `--hours` and `--threads` of `data synth`. The cohort must hold at least one
    /// standard window per subject (`minimumSeconds`, 30 s by default).
    public static func synthProblem(subjects: Int, hours: Double, threads: Int,
                                    minimumSeconds: Double = WindowingConfiguration.standard.windowSeconds) -> String? {
        guard subjects >= 1, subjects <= maximumSubjects else {
            return "--subjects must be between 1 and \(maximumSubjects), got \(subjects)"
        }
        guard hours.isFinite, hours * 3600 >= minimumSeconds, hours <= maximumHours else {
            let smallest = (minimumSeconds / 3600 * 1000).rounded(.up) / 1000
            return "--hours must be between \(formatSeconds(smallest)) (one \(formatSeconds(minimumSeconds)) s window) and \(formatSeconds(maximumHours)), got \(formatSeconds(hours))"
        }
        return threadsProblem(threads)
    }

    /// `--threads`: between 1 and `maximumThreads`.
    public static func threadsProblem(_ threads: Int) -> String? {
        guard threads >= 1, threads <= maximumThreads else {
            return "--threads must be between 1 and \(maximumThreads), got \(threads)"
        }
        return nil
    }

    /// The `--format` names the import command accepts, mapped to layouts (`collection` is the labelled
    /// collection).
    public static func importFormat(named name: String) -> ImportFormat? {
        switch name.lowercased() {
        case "e4": return .e4
        case "wesad": return .wesad
        case "csv": return .csv
        case "collection", "labelledcollection", "labelled-collection": return .labelledCollection
        default: return nil
        }
    }

    /// Whether `--out` may be written: it must not exist, be an empty folder, or be a dataset folder
    /// (holding `manifest.json`), so an import never replaces unrelated files.
    public static func outputProblem(_ url: URL) -> String? {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: url.path, isDirectory: &isFolder) else { return nil }
        guard isFolder.boolValue else { return "--out names a file; expected a folder to write the dataset into" }
        let contents = (try? manager.contentsOfDirectory(atPath: url.path)) ?? []
        if contents.isEmpty || contents.contains(DatasetManifest.fileName) { return nil }
        return "--out names a folder holding other files and no \(DatasetManifest.fileName); refusing to replace it (use a new or empty folder)"
    }
}
