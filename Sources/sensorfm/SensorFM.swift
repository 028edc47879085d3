import ArgumentParser

@main
struct SensorFM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sensorfm",
        abstract: "Self-supervised foundation models for wearable sensor streams.",
        subcommands: [BenchCommand.self, PretrainCommand.self, FinetuneCommand.self, EvaluateCommand.self, PredictCommand.self, EmbedCommand.self, ReportCommand.self, DataCommand.self, EdgeCommand.self, DistillCommand.self, ExportCommand.self]
    )
}
