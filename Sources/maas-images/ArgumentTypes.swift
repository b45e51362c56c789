import ArgumentParser
import BootAssets

/// An option whose value is a case of a library enum, named by its raw value (`--firmware uefi`): parsed by
/// argument-parser, which lists the names in the help and in the error for an unknown one.
struct EnumArgument<Value: RawRepresentable & CaseIterable & Sendable>: ExpressibleByArgument, Sendable
where Value.RawValue == String {
    /// The case named.
    var value: Value

    init?(argument: String) {
        guard let value = Value(rawValue: argument) else { return nil }
        self.value = value
    }

    static var allValueStrings: [String] { Value.allCases.map(\.rawValue) }

    var defaultValueDescription: String { value.rawValue }
}

extension BootFileType {
    /// A boot file type named on the command line (`--expect boot-kernel`); a name MAAS and the streams do not use is
    /// refused.
    static func argument(_ name: String) throws -> BootFileType {
        let type = BootFileType(rawValue: name)
        guard type.isKnown else {
            let known = (maasTypes + streamOnlyTypes).map(\.rawValue).joined(separator: ", ")
            throw ValidationError("\(name) is not a boot file type (\(known))")
        }
        return type
    }
}
