import Foundation
import SensorData

/// Fuzzes `WESADQuestReader.parse` with mutated `SX_quest.csv` files (semicolon rows `# ORDER`,
/// `# START`, `# END` in minutes.seconds). Accepted protocols must have finite times, ends not before
/// starts, and lines inside the file.
struct WESADQuestFuzzTarget: FuzzTarget {
    let name = "wesad-quest"

    private static let seeds = [
        "# Subj;S2;;;\n# ORDER;Base;TSST;Medi 1;;\n# START;0.01;0.05;0.09;;\n# END;0.04;0.08;0.11;;\n;;;;\n",
        "# Subj;S5;;;;;;;;\n# ORDER;Base;Fun;Medi 1;TSST;Medi 2;sRead;fRead;bRead\n# START;7.08;26.32;33.5;39.55;60.4;1.3;80;85.01\n# END;26.32;33.05;40.3;50.3;67.3;3;84.1;86\n\n# PANAS;1;2;3\n",
        "# ORDER;Base\n# START;0\n# END;20.5\n",
    ]

    func makeInput(using mutator: inout Mutator) -> [UInt8] {
        DataFuzzSupport.mutateText(mutator.pick(Self.seeds), using: &mutator)
    }

    func consume(_ input: [UInt8], label: String) -> FuzzOutcome {
        DataFuzzSupport.judge(label: label, input: input, { try WESADQuestReader.parse(data: Data(input), source: label) }) { conditions in
            let lineBound = 1 + input.reduce(0) { $0 + ($1 == 0x0A || $1 == 0x0D ? 1 : 0) }
            for condition in conditions {
                guard condition.start.isFinite, condition.end.isFinite, condition.start <= condition.end else {
                    return "condition \(condition.name) spans \(condition.start)...\(condition.end)"
                }
                guard (1...lineBound).contains(condition.startLine), (1...lineBound).contains(condition.endLine) else {
                    return "condition \(condition.name) cites lines \(condition.startLine) and \(condition.endLine)"
                }
            }
            return nil
        }
    }
}
