import Foundation
import SensorTensor

/// The base of every layer and model: a tree of modules whose parameters are found by reflection.
///
/// A module declares its state as stored properties, and the walk gives each a dotted path:
/// - a stored `Tensor` (or `Tensor?`) is a **parameter** (trainable, optimized, checkpointed);
/// - a tensor marked `@Buffer` is a **buffer** (checkpointed, never optimized: batch-norm statistics);
/// - a stored `Module`, `Module?` or `[Module]` is a child (`blocks.0.attention.qkv.weight`).
///
/// Parameters are plain tensors rather than a wrapper type: every tensor a module stores is state,
/// forward code reads `x.linear(weight: weight, bias: bias)` without unwrapping, and loading a state
/// copies into the same tensor objects, so an optimizer built before the load keeps working. A
/// tensor that is not state belongs in a local or a computed property, never in a stored one.
///
/// Order is declaration order (superclass properties first), which keeps names and the optimizer's
/// parameter order stable. Modules must form a tree; a module or tensor reachable by two paths
/// (weight tying) is reported once, under the first path.
open class Module {
    /// Whether the module is in training mode (dropout active, batch norm uses batch statistics).
    public private(set) var isTraining = true

    public init() {}

    // MARK: Walking the tree

    /// Every parameter with its dotted path, in declaration order, each tensor once.
    public func namedParameters() -> [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>()
        var result: [(String, Tensor)] = []
        for case let .parameter(name, tensor) in treeItems() where seen.insert(ObjectIdentifier(tensor)).inserted {
            result.append((name, tensor))
        }
        return result
    }

    /// The parameters in the order of `namedParameters()`.
    public func parameters() -> [Tensor] { namedParameters().map { $0.1 } }

    /// Every buffer with its dotted path, in declaration order.
    public func namedBuffers() -> [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>()
        var result: [(String, Tensor)] = []
        for case let .buffer(name, tensor) in treeItems() where seen.insert(ObjectIdentifier(tensor)).inserted {
            result.append((name, tensor))
        }
        return result
    }

    /// This module (path `""`) and every module below it, parents before children.
    public func namedModules() -> [(String, Module)] {
        var result: [(String, Module)] = [("", self)]
        for case let .module(name, module) in treeItems() { result.append((name, module)) }
        return result
    }

    /// Total number of parameter elements.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    // MARK: Modes

    /// Switches this module and all below it to training mode (or evaluation mode when `false`).
    public func train(_ training: Bool = true) {
        for (_, module) in namedModules() { module.isTraining = training }
    }

    /// Switches this module and all below it to evaluation mode.
    public func eval() { train(false) }

    /// Stops gradients for every parameter below this module and drops their gradients.
    public func freeze() {
        for parameter in parameters() {
            parameter.requiresGrad = false
            parameter.grad = nil
        }
    }

    /// Lets gradients flow to every parameter below this module again.
    public func unfreeze() {
        for parameter in parameters() { parameter.requiresGrad = true }
    }

    /// Clears the gradient of every parameter below this module.
    public func zeroGrad() {
        for parameter in parameters() { parameter.grad = nil }
    }

    // MARK: Reflection

    /// Parameters, buffers and modules below this one, depth first in declaration order.
    func treeItems() -> [ModuleTreeItem] {
        var items: [ModuleTreeItem] = []
        var visited: Set<ObjectIdentifier> = [ObjectIdentifier(self)]
        appendChildren(prefix: "", into: &items, visited: &visited)
        return items
    }

    func appendChildren(prefix: String, into items: inout [ModuleTreeItem], visited: inout Set<ObjectIdentifier>) {
        for (label, node) in ModuleLayoutCache.shared.stateChildren(of: self) {
            node.appendItems(path: prefix + label, into: &items, visited: &visited)
        }
    }
}

/// One entry of a module tree walk.
enum ModuleTreeItem {
    case parameter(String, Tensor)
    case buffer(String, Tensor)
    case module(String, Module)
}

/// A value a module's stored property can hold that the walk descends into.
protocol ModuleTreeNode {
    func appendItems(path: String, into items: inout [ModuleTreeItem], visited: inout Set<ObjectIdentifier>)
}

extension Tensor: ModuleTreeNode {
    func appendItems(path: String, into items: inout [ModuleTreeItem], visited: inout Set<ObjectIdentifier>) {
        items.append(.parameter(path, self))
    }
}

extension Buffer: ModuleTreeNode {
    func appendItems(path: String, into items: inout [ModuleTreeItem], visited: inout Set<ObjectIdentifier>) {
        items.append(.buffer(path, wrappedValue))
    }
}

extension Module: ModuleTreeNode {
    func appendItems(path: String, into items: inout [ModuleTreeItem], visited: inout Set<ObjectIdentifier>) {
        guard visited.insert(ObjectIdentifier(self)).inserted else { return }
        items.append(.module(path, self))
        appendChildren(prefix: path + ".", into: &items, visited: &visited)
    }
}

extension Optional: ModuleTreeNode where Wrapped: ModuleTreeNode {
    func appendItems(path: String, into items: inout [ModuleTreeItem], visited: inout Set<ObjectIdentifier>) {
        self?.appendItems(path: path, into: &items, visited: &visited)
    }
}

extension Array: ModuleTreeNode where Element: ModuleTreeNode {
    func appendItems(path: String, into items: inout [ModuleTreeItem], visited: inout Set<ObjectIdentifier>) {
        for (index, element) in enumerated() {
            element.appendItems(path: "\(path).\(index)", into: &items, visited: &visited)
        }
    }
}

/// Marks a module's stored tensor as a buffer: saved and loaded with the state, never optimized.
///
///     @Buffer var runningMean: Tensor
@propertyWrapper
public struct Buffer {
    public var wrappedValue: Tensor

    public init(wrappedValue: Tensor) {
        self.wrappedValue = wrappedValue
    }
}

/// Which stored properties of each module type hold state, found once per type from the static
/// types of its properties (so a `nil` optional in the first instance is still recognised).
final class ModuleLayoutCache: @unchecked Sendable {
    static let shared = ModuleLayoutCache()

    /// Per type: for each class level, base class first, the child offsets and names that hold state.
    private var layouts: [ObjectIdentifier: [[(offset: Int, name: String)]]] = [:]
    private let lock = NSLock()

    /// The state-holding stored properties of `module` with their names, in declaration order.
    func stateChildren(of module: Module) -> [(String, any ModuleTreeNode)] {
        var mirrors: [Mirror] = []
        var current: Mirror? = Mirror(reflecting: module)
        while let mirror = current {
            mirrors.append(mirror)
            current = mirror.superclassMirror
        }
        mirrors.reverse()
        let key = ObjectIdentifier(type(of: module))
        let layout = lock.withLock { layouts[key] } ?? makeLayout(mirrors: mirrors, key: key)
        var result: [(String, any ModuleTreeNode)] = []
        for (mirror, slots) in zip(mirrors, layout) where !slots.isEmpty {
            var next = 0
            for (offset, child) in mirror.children.enumerated() where next < slots.count && slots[next].offset == offset {
                if let node = child.value as? any ModuleTreeNode { result.append((slots[next].name, node)) }
                next += 1
            }
        }
        return result
    }

    private func makeLayout(mirrors: [Mirror], key: ObjectIdentifier) -> [[(offset: Int, name: String)]] {
        let layout = mirrors.map { mirror in
            mirror.children.enumerated().compactMap { offset, child -> (offset: Int, name: String)? in
                guard let label = child.label, type(of: child.value) is any ModuleTreeNode.Type else { return nil }
                return (offset, ModuleLayoutCache.propertyName(label))
            }
        }
        lock.withLock { layouts[key] = layout }
        return layout
    }

    /// The declared name of a stored property: property-wrapper and lazy storage prefixes removed.
    private static func propertyName(_ label: String) -> String {
        let lazyPrefix = "$__lazy_storage_$_"
        if label.hasPrefix(lazyPrefix) { return String(label.dropFirst(lazyPrefix.count)) }
        if label.hasPrefix("_") { return String(label.dropFirst()) }
        return label
    }
}
