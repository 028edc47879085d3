import SensorNN
import SensorTensor

/// The exponential-moving-average (momentum) update of a target network (BYOL, MoCo; the
/// momentum training of Abbaspourazad et al., 2024).
public enum MomentumUpdate {
    /// θ_target ← m·θ_target + (1 − m)·θ_online for every parameter, in place and outside any graph;
    /// buffers (batch-norm statistics) are copied from the online module. `target` and `online` must
    /// have the same structure (same parameter names and shapes).
    public static func apply(target: Module, online: Module, momentum: Float) {
        precondition(momentum >= 0 && momentum <= 1, "MomentumUpdate: momentum must be in [0, 1], got \(momentum)")
        let targetParameters = target.namedParameters(), onlineParameters = online.namedParameters()
        precondition(targetParameters.count == onlineParameters.count,
                     "MomentumUpdate: target has \(targetParameters.count) parameters, online \(onlineParameters.count)")
        let keep = momentum, take = 1 - momentum
        for ((name, slow), (onlineName, fast)) in zip(targetParameters, onlineParameters) {
            precondition(name == onlineName && slow.shape == fast.shape,
                         "MomentumUpdate: target \(name) \(slow.shape) does not match online \(onlineName) \(fast.shape)")
            slow.withUnsafeMutableBufferPointer { t in
                fast.withUnsafeBufferPointer { o in
                    for i in 0..<t.count { t[i] = keep * t[i] + take * o[i] }
                }
            }
        }
        let targetBuffers = target.namedBuffers(), onlineBuffers = online.namedBuffers()
        precondition(targetBuffers.map(\.0) == onlineBuffers.map(\.0),
                     "MomentumUpdate: target and online buffers differ")
        for ((_, slow), (_, fast)) in zip(targetBuffers, onlineBuffers) { slow.assign(fast) }
    }
}
