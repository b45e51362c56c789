// render-esxi-commands: the esxcli commands that give an ESXi host the network MAAS configured for it, the way
// another Swift tool would use the ESXiNetwork library.
//
//     swift run render-esxi-commands curtin.cfg vmnic0=52:54:00:12:34:56 vmnic1=52:54:00:12:34:57

import ESXiNetwork
import Foundation  // exit

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
    print("usage: render-esxi-commands CONFIG vmnicN=MAC...")
    exit(2)
}

do {
    let configuration = try NetworkConfiguration(contentsOf: arguments[0])
    let plan = try Plan(for: configuration, on: HostNICs(pairs: Array(arguments.dropFirst())))
    for vSwitch in plan.virtualSwitches {
        let teaming = vSwitch.teaming.map { " teamed (\($0.loadBalancing.rawValue), active \($0.activeUplinks))" } ?? ""
        print("# \(vSwitch.name) for \(vSwitch.interface): uplinks \(vSwitch.uplinks)\(teaming)")
    }
    for warning in plan.warnings { print("# warning: \(warning)") }
    for command in plan.commands { print(command.commandLine) }
} catch {
    print("error: \(error)")
    exit(1)
}
