import Foundation
import SensorData

/// Fuzzes `LabelledCollectionImporter.parseLabels` with mutated `labels.csv` files. Accepted files must
/// give non-empty folders and labels, each folder once.
struct CollectionLabelsFuzzTarget: FuzzTarget {
    let name = "collection-labels"

    private static let seeds = [
        "folder,label,split\nrec01,walk,train\nrec02,run,val\nrec03,rest,test\n",
        "label,folder\nsit,a\nstand,b\n",
        "subject,folder,label,split\nP1,s1,stress,\nP2,s2,baseline,train\n\n",
    ]

    func makeInput(using mutator: inout Mutator) -> [UInt8] {
        DataFuzzSupport.mutateText(mutator.pick(Self.seeds), using: &mutator)
    }

    func consume(_ input: [UInt8], label: String) -> FuzzOutcome {
        DataFuzzSupport.judge(label: label, input: input, { try LabelledCollectionImporter.parseLabels(data: Data(input), source: label) }) { entries in
            guard entries.allSatisfy({ !$0.folder.isEmpty && !$0.label.isEmpty && $0.line >= 2 }) else {
                return "an entry has an empty folder or label, or a line before the header's"
            }
            return Set(entries.map(\.folder)).count == entries.count ? nil : "a folder is listed twice"
        }
    }
}
