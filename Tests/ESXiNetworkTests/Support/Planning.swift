import ESXiNetwork
import Foundation

/// Parses `yaml` and plans it on a host with `nics` (`vmnicN=MAC` pairs).
func plan(_ yaml: String, nics: [String]) throws -> Plan {
    try Plan(for: NetworkConfiguration(yaml: yaml), on: HostNICs(pairs: nics))
}

/// The command lines of `plan`.
func commandLines(_ plan: Plan) -> [String] {
    plan.commands.map(\.commandLine)
}

/// The messages of `plan`'s warnings, `subject: message`.
func warningLines(_ plan: Plan) -> [String] {
    plan.warnings.map(\.description)
}

/// A fixture copied from the public curtin and cloud-init examples.
enum Fixture {
    /// The path of `Fixtures/NAME`.
    static func path(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name])
        }
        return url.path
    }

    /// Every fixture file, relative to `Fixtures/`.
    static func all() throws -> [String] {
        var names: [String] = []
        for directory in ["curtin", "cloud-init"] {
            let url = try path(directory)
            for file in try FileManager.default.contentsOfDirectory(atPath: url).sorted() where file.hasSuffix(".yaml")
            {
                names.append(directory + "/" + file)
            }
        }
        return names
    }
}
