import Foundation

#if canImport(Glibc)
import Glibc

private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    Glibc.write(descriptor, buffer, count)
}
#elseif canImport(Darwin)
import Darwin

private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    Darwin.write(descriptor, buffer, count)
}
#endif

/// Crash-safe file replacement: write a temporary file next to the target, fsync it, rename it over the
/// target (atomic within one file system), then fsync the folder so the rename itself is durable.
/// Readers therefore see either the old file or the complete new one, never a partial write.
enum AtomicFileWriter {
    static func write(_ data: Data, to url: URL) throws {
        let path = url.path
        let folder = url.deletingLastPathComponent().path
        let temporaryPath = folder + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString

        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw failure(path, "cannot create temporary file '\(temporaryPath)': \(lastErrorText())")
        }
        var renamed = false
        var closed = false
        defer {
            if !closed { _ = close(descriptor) }
            if !renamed { _ = unlink(temporaryPath) }
        }

        try data.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let result = systemWrite(descriptor, raw.baseAddress! + written, raw.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw failure(path, "cannot write '\(temporaryPath)': \(lastErrorText())")
                }
                written += result
            }
        }
        guard fsync(descriptor) == 0 else {
            throw failure(path, "cannot fsync '\(temporaryPath)': \(lastErrorText())")
        }
        closed = true
        guard close(descriptor) == 0 else {
            throw failure(path, "cannot close '\(temporaryPath)': \(lastErrorText())")
        }
        guard rename(temporaryPath, path) == 0 else {
            throw failure(path, "cannot rename '\(temporaryPath)' to '\(path)': \(lastErrorText())")
        }
        renamed = true
        try syncFolder(folder, target: path)
    }

    /// fsync on the folder makes the new directory entry durable (POSIX leaves it unspecified otherwise).
    private static func syncFolder(_ folder: String, target: String) throws {
        let descriptor = open(folder, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw failure(target, "written, but cannot open folder '\(folder)' to fsync it: \(lastErrorText())")
        }
        defer { _ = close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw failure(target, "written, but cannot fsync folder '\(folder)': \(lastErrorText())")
        }
    }

    private static func failure(_ path: String, _ reason: String) -> SafeTensorsError {
        SafeTensorsError(source: path, reason: reason)
    }

    private static func lastErrorText() -> String {
        String(cString: strerror(errno))
    }
}
