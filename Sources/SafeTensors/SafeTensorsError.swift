/// A problem reading, validating or writing a safetensors file.
///
/// `source` is the path or label the caller gave (so a message always says which file is broken) and
/// `reason` names the exact problem, e.g. "tensor 'encoder.weight' has data_offsets [0, 40] but shape
/// [3, 4] of F32 needs 48 bytes".
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    public let source: String
    public let reason: String

    public init(source: String, reason: String) {
        self.source = source
        self.reason = reason
    }

    public var description: String { "\(source): \(reason)" }
}
