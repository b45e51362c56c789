// snippet.hide
import ESXiNetwork

let path = CommandLine.arguments.dropFirst().first ?? "/altbootbank/maas/curtin.cfg"
// snippet.show
// Every throwing call throws ESXiNetworkError (typed throws): switch on its code; its message names the file, the
// line, the key and the interface.
do {
    let configuration = try NetworkConfiguration(contentsOf: path)
    let plan = try Plan(for: configuration, on: HostNICs(pairs: ["vmnic0=52:54:00:12:34:56"]))
    print(plan.commands.count, "commands")
} catch {
    switch error.code {
    case .nicNotFound: print("a NIC is missing:", error.message)
    case .io: print("cannot read:", error.message, error.underlyingError.map { "\($0)" } ?? "")
    default: print("\(error.code):", error.message)
    }
}
