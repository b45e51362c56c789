// snippet.hide
import ESXiNetwork

let curtinConfiguration = """
    network:
      version: 1
      config:
      - {type: physical, id: eth0, name: eth0, mac_address: '52:54:00:12:34:56', mtu: 1500,
         subnets: [{type: static, address: 10.0.0.5/24, gateway: 10.0.0.1}]}
      - {type: nameserver, address: [10.0.0.2], search: [maas]}
    """
// snippet.show
// Parse MAAS's network configuration (or read it with NetworkConfiguration(contentsOf: path)), match the host's
// NICs by MAC address, and print the esxcli commands that apply the plan.
let configuration = try NetworkConfiguration(yaml: curtinConfiguration, source: "curtin.cfg")
let nics = try HostNICs(pairs: ["vmnic0=52:54:00:12:34:56"])
let plan = try Plan(for: configuration, on: nics)
for warning in plan.warnings { print("warning:", warning) }
for command in plan.commands { print(command.commandLine) }
