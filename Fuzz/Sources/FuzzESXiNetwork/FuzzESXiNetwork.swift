import ESXiNetwork
import FuzzSupport

@main
enum FuzzESXiNetwork {
    /// Treats each input as a network configuration: parses it, plans it on a host that has every MAC address the
    /// configuration names, and renders the commands, the script and the JSON.
    static func main() {
        runFuzzer(exercise)
    }
}

private func exercise(fd: Int32) {
    guard let bytes = readFuzzInput(fd), let text = String(validating: bytes, as: UTF8.self) else { return }
    guard let configuration = try? NetworkConfiguration(yaml: text) else { return }
    var nics: [HostNICs.NIC] = []
    for interface in configuration.interfaces {
        if let mac = interface.macAddress, !nics.contains(where: { $0.macAddress == mac }) {
            nics.append(HostNICs.NIC(name: "vmnic\(nics.count)", macAddress: mac))
        }
    }
    guard let host = try? HostNICs(nics), let plan = try? Plan(for: configuration, on: host) else { return }
    let commands = plan.commands
    for command in commands where command.arguments.first != "network" {
        fatalError("a command outside esxcli network: \(command)")
    }
    let script = plan.script()
    for command in commands where !script.contains("\nrun \(command.commandLine)\n") {
        fatalError("the script lacks \(command)")
    }
    _ = try? plan.json()
}
