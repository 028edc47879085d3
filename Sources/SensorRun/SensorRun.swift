/// Experiment configs, run folders, the trainer loop, checkpoints and resume, progress and logs.
public enum SensorRunSchema { public static let version = 1 }
