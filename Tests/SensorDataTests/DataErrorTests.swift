import Foundation
import Testing
@testable import SensorData

/// Every bad input names its file and the 1-based physical line (header rows and blank lines counted).
@Suite struct DataErrorTests {
    private func parseSignal(_ text: String, _ name: String = "BVP.csv") throws {
        _ = try E4CSVReader.parse(data: Data(text.utf8), source: "/data/e4/\(name)")
    }

    @Test func missingHeaderRowsNameLineOneOrTwo() {
        expectDataError(.malformedHeader, file: "BVP.csv", line: 1, containing: ["start time", "end of the file"]) { try parseSignal("") }
        expectDataError(.malformedHeader, file: "BVP.csv", line: 2, containing: ["sample rate", "end of the file"]) { try parseSignal("1600000000\n") }
        expectDataError(.malformedHeader, file: "ACC.csv", line: 1, containing: ["start time", "column 1", "\"x\""]) {
            try parseSignal("x,y,z\n32,32,32\n1,2,3\n", "ACC.csv")
        }
    }

    @Test func sampleRateThatIsZeroNegativeNaNOrTextNamesLineTwo() {
        for (rate, fragment) in [("0", "found 0.0"), ("-4", "found -4.0"), ("NaN", "\"NaN\""), ("fast", "\"fast\""), ("", "\"\"")] {
            expectDataError(.invalidSampleRate, file: "TEMP.csv", line: 2, containing: [fragment]) {
                try parseSignal("1600000000\n\(rate)\n33.1\n", "TEMP.csv")
            }
        }
        expectDataError(.raggedRow, file: "ACC.csv", line: 2, containing: ["3 sample rates", "found 2"]) {
            try parseSignal("1,1,1\n32,32\n", "ACC.csv")
        }
    }

    @Test func raggedAndNonNumericRowsNameTheirPhysicalLine() {
        // Line 5 has two values; line 4 is blank and still counted.
        expectDataError(.raggedRow, file: "ACC.csv", line: 5, containing: ["expected 3 values", "found 2"]) {
            try parseSignal("1,1,1\n32,32,32\n1,2,3\n\n4,5\n", "ACC.csv")
        }
        expectDataError(.raggedRow, file: "ACC.csv", line: 3, containing: ["found more"]) {
            try parseSignal("1,1,1\n32,32,32\n1,2,3,4\n", "ACC.csv")
        }
        expectDataError(.nonNumericCell, file: "BVP.csv", line: 4, containing: ["column 1", "\"12.x\""]) {
            try parseSignal("1\n64\n1.0\n12.x\n")
        }
        expectDataError(.nonNumericCell, file: "IBI.csv", line: 3, containing: ["interval", "\"abc\""]) {
            _ = try E4CSVReader.parseInterbeatIntervals(data: Data("1600000000, IBI\n1.0,0.8\r\n2.0,abc\n".utf8), source: "/x/IBI.csv")
        }
        expectDataError(.malformedHeader, file: "IBI.csv", line: 1, containing: ["start time"]) {
            _ = try E4CSVReader.parseInterbeatIntervals(data: Data("IBI\n1.0,0.8\n".utf8), source: "/x/IBI.csv")
        }
        expectDataError(.nonNumericCell, file: "tags.csv", line: 2) {
            _ = try E4CSVReader.parseTags(data: Data("1600000000\nlater\n".utf8), source: "/x/tags.csv")
        }
    }

    @Test func folderWithNoUsableStreamIsNamed() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try temporary.write("empty/ACC.csv", "1600000000,1600000000,1600000000\n32,32,32\n")
        try temporary.write("empty/tags.csv", "")
        expectDataError(.noUsableStream, file: "empty", line: nil, containing: ["ACC.csv, tags.csv"]) {
            _ = try E4FolderImporter.importFolder(at: temporary.url.appendingPathComponent("empty"), subjectID: "a", sessionID: "b")
        }
    }

    @Test func knownFileWithWrongColumnCountIsAnError() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try temporary.write("e4/ACC.csv", "1600000000,1600000000\n32,32\n1,2\n")
        expectDataError(.malformedHeader, file: "ACC.csv", line: 1, containing: ["expected 3 column(s)", "found 2"]) {
            _ = try E4FolderImporter.importFolder(at: temporary.url.appendingPathComponent("e4"), subjectID: "a", sessionID: "b")
        }
    }

    @Test func twoFilesForOneStreamAreAnError() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try temporary.write("e4/BVP.csv", "1600000000\n64\n1\n")
        try temporary.write("e4/ppg.csv", "1600000000\n64\n2\n")
        expectDataError(.unrecognisedLayout, file: "ppg.csv", line: nil, containing: ["BVP.csv and ppg.csv", "\"ppg\""]) {
            _ = try E4FolderImporter.importFolder(at: temporary.url.appendingPathComponent("e4"), subjectID: "a", sessionID: "b")
        }
    }

    @Test func tagOutsideTheRecordingNamesItsLine() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try temporary.write("e4/TEMP.csv", "1600000000\n4\n33\n33.1\n33.2\n33.3\n")  // 1 s long
        try temporary.write("e4/tags.csv", "1600000000.5\n1600000100\n")
        expectDataError(.labelOutsideRecording, file: "tags.csv", line: 2, containing: ["\"tag\"", "100–100 s", "0–1 s"]) {
            _ = try E4FolderImporter.importFolder(at: temporary.url.appendingPathComponent("e4"), subjectID: "a", sessionID: "b")
        }
    }

    @Test func questRowsOfDifferentLengthsOrBadTimesNameTheirLine() {
        let parse = { (text: String) in _ = try WESADQuestReader.parse(data: Data(text.utf8), source: "/w/S2/S2_quest.csv") }
        expectDataError(.raggedRow, file: "S2_quest.csv", line: 4, containing: ["expected 2 times", "found 1"]) {
            try parse("# Subj;S2\n# ORDER;Base;TSST\n# START;1.00;5.00\n# END;4.00\n")
        }
        expectDataError(.invalidValue, file: "S2_quest.csv", line: 2, containing: ["minutes.seconds", "\"7.75\""]) {
            try parse("# ORDER;Base\n# START;7.75\n# END;9.00\n")
        }
        expectDataError(.invalidValue, file: "S2_quest.csv", line: 3, containing: ["end of Base"]) {
            try parse("# ORDER;Base\n# START;7.00\n# END;6.00\n")
        }
        expectDataError(.malformedHeader, file: "S2_quest.csv", line: nil, containing: ["# END"]) {
            try parse("# ORDER;Base\n# START;7.00\n")
        }
    }

    @Test func unknownDescriptionKeyIsNamedWithTheNearestValidKey() {
        let yaml = "timestamp: {column: t}\nstreams:\n  ppg: {colums: [green], rate: 64}\n"
        expectDataError(.invalidDescription, file: "map.yaml", line: 3, containing: ["\"colums\"", "did you mean \"columns\""]) {
            _ = try CSVDescription.parse(yaml: yaml, source: "/d/map.yaml")
        }
        expectDataError(.invalidDescription, file: "map.yaml", line: 1, containing: ["\"timestamps\"", "did you mean \"timestamp\""]) {
            _ = try CSVDescription.parse(yaml: "timestamps: {column: t}\n", source: "/d/map.yaml")
        }
        expectDataError(.invalidSampleRate, file: "map.yaml", line: 2, containing: ["streams.ppg.rate", "\"zero\""]) {
            _ = try CSVDescription.parse(yaml: "timestamp: {column: t}\nstreams: {ppg: {columns: [g], rate: zero}}\n", source: "/d/map.yaml")
        }
        expectDataError(.invalidDescription, file: "map.yaml", line: 2, containing: ["valid YAML"]) {
            _ = try CSVDescription.parse(yaml: "timestamp: {column: t\nstreams: [\n", source: "/d/map.yaml")
        }
    }

    @Test func genericCSVErrorsNameTheirLine() throws {
        let description = try CSVDescription.parse(yaml: "timestamp: {column: t}\nstreams:\n  ppg: {columns: [green], rate: 1}\n", source: "m.yaml")
        let parse = { (text: String) in
            _ = try GenericCSVImporter.parse(data: Data(text.utf8), source: "/c/walk.csv", description: description, subjectID: "a", sessionID: "b")
        }
        expectDataError(.malformedHeader, file: "walk.csv", line: 1, containing: ["\"green\"", "nearest: \"gren\""]) { try parse("t,gren\n0,1\n") }
        expectDataError(.raggedRow, file: "walk.csv", line: 3, containing: ["expected 2 cells"]) { try parse("t,green\n0,1\n1,2,3\n") }
        expectDataError(.nonNumericCell, file: "walk.csv", line: 3, containing: ["column \"green\"", "\"high\""]) { try parse("t,green\n0,1\n1,high\n") }
        expectDataError(.invalidValue, file: "walk.csv", line: 3, containing: ["increase"]) { try parse("t,green\n5,1\n5,2\n") }
        expectDataError(.nonNumericCell, file: "walk.csv", line: 2, containing: ["timestamp in seconds"]) { try parse("t,green\nnoon,1\n") }
        // Milliseconds declared as seconds: resampling would need about 10^11 values.
        expectDataError(.invalidValue, file: "walk.csv", line: nil, containing: ["timestamp unit"]) { try parse("t,green\n0,1\n1e9,2\n1e11,3\n") }
    }

    @Test func labelsFileErrorsNameTheirLine() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try writeE4Export(temporary, at: "rec_a")
        try temporary.write("labels.csv", "folder,label\nrec_a,calm\nrec_missing,stress\n")
        expectDataError(.missingFile, file: "labels.csv", line: 3, containing: ["\"rec_missing\""]) {
            _ = try LabelledCollectionImporter.importCollection(at: temporary.url)
        }
        expectDataError(.malformedHeader, file: "labels.csv", line: 1, containing: ["\"class\""]) {
            _ = try LabelledCollectionImporter.parseLabels(data: Data("folder,class\n".utf8), source: "/l/labels.csv")
        }
        expectDataError(.invalidValue, file: "labels.csv", line: 3, containing: ["already labelled on line 2"]) {
            _ = try LabelledCollectionImporter.parseLabels(data: Data("folder,label\na,x\na,y\n".utf8), source: "/l/labels.csv")
        }
    }

    /// Mutated copies of valid inputs (bytes replaced, inserted, deleted; a fixed LCG): every reader
    /// either parses or throws a `DataError`; none traps.
    @Test func mutatedInputsNeverCrashTheReaders() {
        let seeds = [
            "1600000000.000000, 1600000000.000000, 1600000000.000000\n32.000000, 32.000000, 32.000000\n-64,0,64\n32,-32,1e3\n",
            "1600000000, IBI\n12.5,0.8\n13.3,0.81\n",
            "# Subj;S2\n# ORDER;Base;TSST;Medi 1\n# START;7.08;39.55;70.19\n# END;26.32;50.3;77.10\n",
        ]
        let alphabet = Array("0123456789.,;-+eE# \n\r\tnaNIB\u{0}\u{FF}".utf8)
        var state: UInt64 = 12345
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
        for iteration in 0..<3000 {
            var bytes = Array(seeds[iteration % seeds.count].utf8)
            for _ in 0..<(1 + next(4)) {
                let position = next(bytes.count + 1)
                switch next(3) {
                case 0 where position < bytes.count: bytes[position] = alphabet[next(alphabet.count)]
                case 1: bytes.insert(alphabet[next(alphabet.count)], at: position)
                default: if position < bytes.count { bytes.remove(at: position) }
                }
            }
            let data = Data(bytes)
            for reader in 0..<4 {
                do {
                    switch reader {
                    case 0: _ = try E4CSVReader.parse(data: data, source: "m.csv")
                    case 1: _ = try E4CSVReader.parseInterbeatIntervals(data: data, source: "m.csv")
                    case 2: _ = try E4CSVReader.parseTags(data: data, source: "m.csv")
                    default: _ = try WESADQuestReader.parse(data: data, source: "m.csv")
                    }
                } catch let error as DataError {
                    #expect(error.description.hasPrefix("m.csv"))
                } catch {
                    Issue.record("reader \(reader) threw a non-DataError: \(error)")
                }
            }
        }
    }
}
