#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes a crash actionable: before each input is consumed the driver stores a replay command in a
/// preallocated buffer; a trap or fault (Swift runtime traps arrive as SIGILL or SIGTRAP) prints it with
/// the async-signal-safe write(2), then re-raises the signal so the process still dies with it.
enum CrashReporter {
    private static let capacity = 512
    nonisolated(unsafe) private static let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    nonisolated(unsafe) private static var length = 0
    private static let signals = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE]

    static func install() {
        for signalNumber in signals {
            _ = signal(signalNumber) { received in
                _ = write(2, CrashReporter.buffer, CrashReporter.length)
                _ = signal(received, SIG_DFL)
                _ = raise(received)
            }
        }
    }

    static func setCurrent(target: String, seed: UInt64, iteration: Int) {
        let text = "\nsensorfm-fuzz: CRASH in target \(target) at iteration \(iteration); replay with: "
            + "sensorfm-fuzz \(target) --seed \(seed) --first \(iteration) --iterations 1\n"
        let bytes = Array(text.utf8.prefix(capacity))
        length = 0
        bytes.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: bytes.count) }
        length = bytes.count
    }
}
