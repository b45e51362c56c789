// snippet.hide
import ESXiNetwork

let configuration = try NetworkConfiguration(
    yaml: """
        network:
          version: 2
          ethernets:
            eno1: {match: {macaddress: '3c:fd:fe:00:00:0a'}, set-name: eno1, dhcp4: true}
        """)
// snippet.show
// Read the host's NICs from `esxcli network nic list` and write a first-boot script that checks them, wipes the
// network, applies the plan and logs; or the plan as JSON (snake_case keys).
let nics = try HostNICs(
    esxcliNICList: """
        Name    PCI Device    Driver  Admin Status  Link Status  Speed  Duplex  MAC Address        MTU
        ------  ------------  ------  ------------  -----------  -----  ------  -----------------  ----
        vmnic0  0000:0b:00.0  ixgben  Up            Up           10000  Full    3c:fd:fe:00:00:0a  1500
        """)
let plan = try Plan(for: configuration, on: nics)
print(plan.script(options: ScriptOptions(logPath: "/var/log/maas-network.log")))
print(try plan.json())
