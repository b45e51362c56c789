/// One `esxcli` invocation: its arguments after `esxcli`, and the command line for a POSIX shell.
public struct ESXCLICommand: Hashable, Sendable, CustomStringConvertible, Encodable {
    /// The arguments after `esxcli` (`["network", "vswitch", "standard", "add", "-v", "vSwitch0"]`).
    public var arguments: [String]

    /// A command with these arguments.
    public init(_ arguments: [String]) {
        self.arguments = arguments
    }

    /// The command line, `esxcli` and its arguments, each quoted for the shell when it needs to be.
    public var commandLine: String {
        (["esxcli"] + arguments.map(ShellQuoting.quote)).joined(separator: " ")
    }

    public var description: String { commandLine }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(commandLine)
    }
}

/// Quoting for POSIX shells (and ESXi's busybox `ash`).
enum ShellQuoting {
    /// `word` unchanged if every character is safe unquoted, otherwise in single quotes (a `'` written `'\''`).
    static func quote(_ word: String) -> String {
        let safe =
            !word.isEmpty
            && word.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: ":"),
                    UInt8(ascii: ","), UInt8(ascii: "="), UInt8(ascii: "@"), UInt8(ascii: "%"), UInt8(ascii: "+"):
                    true
                default:
                    false
                }
            }
        if safe { return word }
        return "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
