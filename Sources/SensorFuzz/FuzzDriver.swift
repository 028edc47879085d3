import Foundation

/// What one input did to the code under test. A crash is not representable: the process dies, which
/// is itself the failure signal for Scripts/fuzz.sh.
enum FuzzOutcome {
    /// Parsed and passed the target's post-parse checks.
    case accepted
    /// Rejected with the reader's own error type; `category` groups similar reasons for the summary.
    case rejected(category: String)
    /// An invariant broke (wrong error type, malformed message, re-parse mismatch).
    case failure(String)
}

/// A reader under fuzzing: generates the input of one iteration and judges what the reader did with it.
protocol FuzzTarget {
    var name: String { get }
    func makeInput(using mutator: inout Mutator) -> [UInt8]
    func consume(_ input: [UInt8], label: String) -> FuzzOutcome
}

struct FuzzOptions {
    var iterations = 100_000
    var seed: UInt64 = 1
    /// First iteration to run; with `iterations 1` it replays a single input after a crash report.
    var first = 0
    var verbose = false
}

/// Runs a target, prints one summary line, and returns whether every input was handled cleanly.
enum FuzzDriver {
    static func run(_ target: FuzzTarget, options: FuzzOptions) -> Bool {
        CrashReporter.install()
        var accepted = 0
        var rejected = 0
        var failures = 0
        var categories: [String: Int] = [:]
        let start = Date()
        for iteration in options.first..<(options.first + options.iterations) {
            CrashReporter.setCurrent(target: target.name, seed: options.seed, iteration: iteration)
            var mutator = Mutator(seed: options.seed, iteration: iteration)
            let input = target.makeInput(using: &mutator)
            switch target.consume(input, label: "\(target.name)#\(iteration)") {
            case .accepted:
                accepted += 1
            case .rejected(let category):
                rejected += 1
                categories[category, default: 0] += 1
            case .failure(let message):
                failures += 1
                print("FAILURE \(target.name) iteration \(iteration) (replay: sensorfm-fuzz \(target.name) --seed \(options.seed) --first \(iteration) --iterations 1): \(message)")
            }
        }
        let seconds = Date().timeIntervalSince(start)
        if options.verbose {
            for (category, count) in categories.sorted(by: { $0.value > $1.value }) {
                print(String(format: "%8d  %@", count, category))
            }
        }
        print(String(
            format: "%@: %d inputs (seed %llu), %d parsed, %d rejected cleanly (%d distinct reasons), %d failures, %.2f s",
            target.name, options.iterations, options.seed, accepted, rejected, categories.count, failures, seconds))
        return failures == 0
    }

    /// Collapses an error reason into a category for the summary: quoted text becomes '…' and any
    /// word containing a digit (numbers, offsets, dtype names, byte values) becomes N.
    static func category(of reason: String) -> String {
        var unquoted = ""
        var inQuote = false
        for character in reason {
            if character == "'" {
                if !inQuote { unquoted += "'…'" }
                inQuote.toggle()
            } else if !inQuote {
                unquoted.append(character)
            }
        }
        return unquoted.split(separator: " ").map { word in
            word.contains(where: \.isNumber) ? "N" : String(word)
        }.joined(separator: " ")
    }
}
