import ArgumentParser

@main
struct SensorFM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sensorfm",
        abstract: "Self-supervised foundation models for wearable sensor streams.",
        discussion: """
            The main job is one command: `sensorfm run Experiments/quickstart.yaml` (data -> pretrain -> evaluate -> \
            finetune -> distill -> export -> report). Every stage is also a command below, and reads its section of the \
            same pipeline file. `sensorfm help COMMAND` describes one.
            """,
        subcommands: [RunCommand.self, DataCommand.self, PretrainCommand.self, EvaluateCommand.self, FinetuneCommand.self,
                      DistillCommand.self, ExportCommand.self, ReportCommand.self, PredictCommand.self, EmbedCommand.self,
                      EdgeCommand.self, BenchCommand.self]
    )
}
