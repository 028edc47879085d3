import Foundation

/// An exclusive `flock` on `run.lock` inside a run folder, held for the life of this object. The kernel
/// drops the lock when the process dies (even by SIGKILL), so a crashed run never leaves a stale lock;
/// the file holds the owner's PID for the error message.
public final class RunLock {
    public let url: URL
    private let descriptor: Int32

    /// - Throws: `RunError.locked` naming the PID holding the lock, or `RunError.io`.
    public init(url: URL) throws {
        self.url = url
        let descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw RunError.io(path: url.path, "cannot open the lock file (errno \(errno))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let owner = (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(descriptor)
            throw RunError.locked(path: url.deletingLastPathComponent().path, owner: owner)
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// Why a run could not start, continue or finish.
public enum RunError: Error, Equatable, CustomStringConvertible {
    /// Another live process holds the run folder's lock.
    case locked(path: String, owner: String)
    /// A loss or the gradient norm became NaN or infinite; the last good checkpoint is kept.
    case nonFiniteLoss(step: Int, what: String, lastCheckpointStep: Int?)
    /// The folder is not a run folder (no resolved config) or already holds one.
    case notARun(path: String, String)
    case alreadyExists(path: String)
    case io(path: String, String)

    public var description: String {
        switch self {
        case let .locked(path, owner):
            "\(path): the run folder is in use by process \(owner) (run.lock is held); wait for it or stop it first"
        case let .nonFiniteLoss(step, what, last):
            "step \(step): \(what) is not finite; stopped without saving. "
                + (last.map { "The last good checkpoint is step \($0)." } ?? "No checkpoint was written yet.")
                + " Try a lower optimizer.lr or set optimizer.clip_norm."
        case let .notARun(path, reason): "\(path): not a run folder: \(reason)"
        case let .alreadyExists(path): "\(path): already holds a run; continue it with --resume \(path) or choose another --run-dir"
        case let .io(path, reason): "\(path): \(reason)"
        }
    }
}
