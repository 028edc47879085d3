import Foundation

/// Builds raw safetensors bytes by hand, so tests can craft files the writer would never produce.
enum SafeTensorsTestFiles {
    /// Length field (little-endian u64 of the header's UTF-8 byte count), header, buffer; no padding.
    static func file(header: String, buffer: [UInt8]) -> Data {
        file(headerBytes: Array(header.utf8), buffer: buffer)
    }

    static func file(headerBytes: [UInt8], buffer: [UInt8]) -> Data {
        let length = UInt64(headerBytes.count)
        let lengthBytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) }
        return Data(lengthBytes + headerBytes + buffer)
    }
}
