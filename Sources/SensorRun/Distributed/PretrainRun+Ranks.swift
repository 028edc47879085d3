import Foundation
import Logging

/// The ranks other than 0 of a data-parallel `pretrain`: they train on their rows of every batch and
/// write nothing (no run folder, metrics or log file; warnings still reach standard error).
extension PretrainRun {
    /// Waits until rank 0 has prepared the data (a synthetic cohort is generated once, not raced by
    /// every rank) and set up the run folder, then trains from the state rank 0 broadcasts.
    static func trainAsFollower(_ configuration: RunConfiguration, stop: StopSignals?,
                                communicator: any Communicator) throws -> TrainingOutcome {
        var logger = RunLogSink(interactive: false, logFile: nil).logger(label: "sensorfm.run.rank\(communicator.rank)")
        logger.logLevel = .warning
        try communicator.barrier()
        let data = try RunData.prepare(configuration)
        let trainer = try Trainer(configuration: configuration, data: data, folder: nil, metrics: nil, logger: logger, stop: stop,
                                  communicator: communicator)
        return try trainer.train()
    }

    /// What `meta.json` records about the job's ranks (nothing for one process).
    static func rankMeta(_ communicator: any Communicator) -> [String: Any] {
        guard communicator.size > 1 else { return [:] }
        return ["data_parallel": ["ranks": communicator.size, "communicator": "\(type(of: communicator))"] as [String: Any]]
    }
}
