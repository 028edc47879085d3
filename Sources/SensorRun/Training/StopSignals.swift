import Dispatch
import Foundation
import Synchronization

/// Turns SIGTERM and SIGINT into a request the trainer polls between steps (finish the step, save a
/// checkpoint, exit). A second signal while stopping exits at once with 128 + signal.
public final class StopSignals: Sendable {
    private let received = Atomic<Int32>(0)
    nonisolated(unsafe) private var sources: [DispatchSourceSignal] = []

    /// Without `install`, only `request(_:)` sets the flag (tests).
    public init(install: Bool = true) {
        guard install else { return }
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                if received.exchange(number, ordering: .relaxed) != 0 { _exit(128 + number) }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal received, if any.
    public var receivedSignal: Int32? {
        let value = received.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    /// Records `number` as if it had been delivered.
    public func request(_ number: Int32) { received.store(number, ordering: .relaxed) }

    deinit { for source in sources { source.cancel() } }
}
