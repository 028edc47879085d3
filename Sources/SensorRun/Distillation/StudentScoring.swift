import SensorData
import SensorEdge
import SensorEval

/// One distill run's test-set metric for teacher, float student and int8 graphs: accuracy for a classification
/// task, mean absolute error in the task's unit (e.g. bpm) for a regression task.
struct StudentScoring {
    let task: TaskSpec
    let test: TaskTargets
    let windows: WindowSet
    let modalities: [StudentModality]
    let normalization: StudentInputNormalization
    let inputNormalization: InputNormalization
    /// Regression: value = student output · scale + mean.
    let mean: Float
    let scale: Float

    var metricName: String { task.kind == .classification ? "accuracy" : "mae" }

    func teacher(_ model: FineTunedModel) -> Double {
        let predictions = model.predict(windows: windows, targets: test)
        return task.kind == .classification
            ? StudentEvaluation.accuracy(predictions.classes, test.classes)
            : StudentEvaluation.meanAbsoluteError(predictions.values, test.values)
    }

    func float(_ student: StudentModel) throws -> Double {
        task.kind == .classification
            ? StudentEvaluation.accuracy(try StudentEvaluation.floatClasses(student, normalization: normalization, windows: windows,
                                                                             indices: test.windowIndices), test.classes)
            : StudentEvaluation.meanAbsoluteError(try StudentEvaluation.floatValues(student, normalization: normalization, windows: windows,
                                                                                     indices: test.windowIndices, mean: mean, scale: scale),
                                                  test.values)
    }

    /// The int8 graph through the Swift integer runtime, on raw windows normalised and quantized as on the device.
    func integer(_ graph: EdgeGraph) -> Double {
        task.kind == .classification
            ? StudentEvaluation.accuracy(StudentEvaluation.integerClasses(graph, normalization: inputNormalization, windows: windows,
                                                                           indices: test.windowIndices, modalities: modalities),
                                         test.classes)
            : StudentEvaluation.meanAbsoluteError(StudentEvaluation.integerValues(graph, normalization: inputNormalization, windows: windows,
                                                                                   indices: test.windowIndices, modalities: modalities,
                                                                                   mean: mean, scale: scale),
                                                  test.values)
    }

    /// results.json's metrics: `teacher_M`, `float_student_M`, `int8_student_M` and `int8_M_ratio` (int8 student
    /// over teacher) for M = accuracy or mae.
    func metrics(teacher: Double, float: Double, integer: Double) -> [String: Double] {
        let name = metricName
        return ["teacher_\(name)": teacher, "float_student_\(name)": float, "int8_student_\(name)": integer,
                "int8_\(name)_ratio": teacher > 0 ? integer / teacher : 0]
    }
}
