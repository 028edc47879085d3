/// Wearable recordings, importers, synthetic cohort, windows and datasets.
public enum SensorDataVersion { public static let schema = 1 }
