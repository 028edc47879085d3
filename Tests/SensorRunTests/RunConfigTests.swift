import Foundation
import Testing
@testable import SensorRun

@Suite struct RunConfigTests {
    func error(_ yaml: String, overrides: [String] = []) -> ConfigError? {
        do {
            _ = try RunConfiguration.load(file: RunTestSupport.writeConfig(yaml), overrides: overrides, environment: [:])
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func unknownKeyNamesPathFileLineAndNearestKey() throws {
        let yaml = RunTestSupport.yaml.replacingOccurrences(of: "optimizer: {name: adamw, lr: 3e-3, clip_norm: 1.0}",
                                                            with: "optimizer: {name: adamw, lrr: 3e-3}")
        let error = try #require(self.error(yaml))
        #expect(error.kind == .unknownKey)
        #expect(error.path == "optimizer.lrr")
        #expect(error.suggestion == "optimizer.lr")
        #expect(error.location?.line == 21)
        #expect(error.location?.file.hasSuffix("tiny.yaml") == true)
        #expect(error.description.contains("tiny.yaml:21: optimizer.lrr: unknown key"))
    }

    @Test func wrongTypeAndOutOfRangeNameTheKey() throws {
        let wrongType = try #require(error(RunTestSupport.yaml.replacingOccurrences(of: "steps: 6", with: "steps: many")))
        #expect(wrongType.kind == .wrongType && wrongType.path == "training.steps" && wrongType.location?.line == 25)
        let negative = try #require(error(RunTestSupport.yaml.replacingOccurrences(of: "lr: 3e-3", with: "lr: -1")))
        #expect(negative.kind == .outOfRange && negative.path == "optimizer.lr")
        let kind = try #require(error(RunTestSupport.yaml.replacingOccurrences(of: "kind: contrastive", with: "kind: contrastiv")))
        #expect(kind.path == "objectives.1.kind" && kind.suggestion == "contrastive")
        let heads = try #require(error(RunTestSupport.yaml.replacingOccurrences(of: "heads: 2", with: "heads: 3")))
        #expect(heads.path == "model.heads" && heads.kind == .inconsistent)
    }

    @Test func overridesAreTypedByTheirTargetField() throws {
        let configuration = try RunTestSupport.configuration(["optimizer.lr=3e-4", "training.steps=9", "seed=11",
                                                              "objectives=[{kind: masked_reconstruction, mask_ratio: 0.25}]"])
        #expect(configuration.optimizer.learningRate == Float(3e-4))
        #expect(configuration.training.steps == 9)
        #expect(configuration.seed == 11)
        #expect(configuration.objectives == [ObjectiveSettings(weight: 1, parameters: .maskedReconstruction(
            masking: "random", maskRatio: 0.25, targetModality: nil))])
        let wrong = try #require(error(RunTestSupport.yaml, overrides: ["training.steps=abc"]))
        #expect(wrong.kind == .wrongType && wrong.path == "training.steps" && wrong.location?.file == "--set training.steps")
        let unknown = try #require(error(RunTestSupport.yaml, overrides: ["optimizer.lrr=1"]))
        #expect(unknown.kind == .unknownKey && unknown.suggestion == "optimizer.lr")
        let malformed = try #require(error(RunTestSupport.yaml, overrides: ["optimizer.lr"]))
        #expect(malformed.kind == .syntax)
    }

    @Test func pathsResolveAgainstTheConfigFolder() throws {
        let yaml = RunTestSupport.yaml.replacingOccurrences(of: "synthetic: {subjects: 3, hours: 0.05, seed: 1}",
                                                            with: "path: ../datasets/wesad\n  cache: cache/here")
        let file = RunTestSupport.writeConfig(yaml)
        let configuration = try RunConfiguration.load(file: file, environment: [:])
        let folder = file.deletingLastPathComponent()
        guard case .folder(let dataset) = configuration.data.source else { Issue.record("not a folder source"); return }
        #expect(dataset.path == folder.deletingLastPathComponent().appendingPathComponent("datasets/wesad").standardizedFileURL.path)
        #expect(dataset.hasDirectoryPath && configuration.data.cache.hasDirectoryPath)
        #expect(configuration.data.cache.path == folder.appendingPathComponent("cache/here").standardizedFileURL.path)
        let moved = try RunConfiguration.load(file: file, environment: [RunConfiguration.cacheEnvironmentVariable: "/tmp/elsewhere"])
        #expect(moved.data.cache.path == "/tmp/elsewhere")
    }

    @Test func resolvedYAMLReadsBackToTheSameConfiguration() throws {
        let configuration = try RunTestSupport.configuration(["optimizer.lr=3e-4", "split.test_fraction=0.1"])
        let resolved = try configuration.resolvedYAML()
        let file = RunTestSupport.writeConfig(resolved, name: "config.yaml")
        let reread = try RunConfiguration.load(file: file, environment: [:])
        #expect(reread == configuration)
        #expect(reread.data.cache == configuration.data.cache)
    }

    @Test func dataChecksNameTheKeyBeforeTraining() throws {
        func dataError(_ overrides: [String]) throws -> ConfigError? {
            let configuration = try RunTestSupport.configuration(overrides)
            do { _ = try RunData.prepare(configuration); return nil } catch let error as ConfigError { return error }
        }
        let modality = try #require(try dataError(["model.patches={ppg: 1, acc: 1, tmp: 5}"]))
        #expect(modality.kind == .unknownKey && modality.path == "model.patches.tmp" && modality.suggestion == "model.patches.temp")
        let patch = try #require(try dataError(["model.patches={ppg: 1, acc: 1, temp: 7}"]))
        #expect(patch.kind == .inconsistent && patch.path == "model.patches.temp" && patch.message.contains("does not divide"))
        let batch = try #require(try dataError(["training.batch_size=5000"]))
        #expect(batch.kind == .outOfRange && batch.path == "training.batch_size")
        let target = try #require(try dataError(["objectives=[{kind: masked_reconstruction, masking: modality, target_modality: eda}]"]))
        #expect(target.path == "objectives.0.target_modality" && target.message.contains("unknown modality"))
        let missing = try #require(try dataError(["data={path: /nonexistent/dataset}"]))
        #expect(missing.kind == .missingFile && missing.path == "data.path")
    }

    @Test func nearestKeyUsesEditDistance() {
        #expect(ConfigError.editDistance("kitten", "sitting") == 3)
        #expect(ConfigError.nearest("batchsize", in: ["batch_size", "steps"]) == "batch_size")
        #expect(ConfigError.nearest("zzzzzz", in: ["batch_size", "steps"]) == nil)
    }

    /// Found by the run-config fuzz target: YAML errors were several lines without a line number.
    @Test func yamlSyntaxErrorsAreOneLineAtTheirLine() throws {
        func parseError(_ yaml: String) -> ConfigError? {
            do { _ = try ConfigNode.parse(yaml: yaml, file: "x.yaml"); return nil } catch { return error as? ConfigError }
        }
        let scanner = try #require(parseError("name: a\nseed: 1\nmodel: {dimensions: 8\n"))
        #expect(scanner.kind == .syntax && scanner.location?.line != nil && !scanner.description.contains("\n"))
        let values = try #require(parseError("name: a\nseed: b: c\n"))
        #expect(values.kind == .syntax && values.location?.line == 2 && values.description.hasPrefix("x.yaml:2: invalid YAML:"))
        let duplicate = try #require(parseError("name: a\nseed: 1\nseed: 2\n"))
        #expect(duplicate.kind == .inconsistent && duplicate.location?.line == 2 && duplicate.message.contains("'seed'"))
        let control = try #require(parseError("name: a\u{7}\n"))
        #expect(control.kind == .syntax && control.location?.line == 1 && !control.description.contains("\u{7}"))
    }

    @Test func keysMustBeWordsAndMessagesStayBounded() throws {
        let dotted = try #require(error("name: a\n'optimizer.lr': 1\n"))
        #expect(dotted.kind == .wrongType && dotted.path == "" && dotted.location?.line == 2 && dotted.message.contains("'optimizer.lr'"))
        let long = ConfigError(.wrongType, path: "a", location: nil, "found '\(String(repeating: "x", count: 2000))\nend'")
        #expect(long.message.count == 500 && long.message.hasSuffix("…") && !long.message.contains("\n"))
        #expect(ConfigError.oneLine("a\nb\u{1}", limit: 50) == "a\\nb\\u{1}")
    }
}
