import ESXiNetwork
import Foundation
import Testing

/// Replays the `FuzzESXiNetwork` seeds (`Fuzz/CorpusNetwork`) through what the fuzz target does, so the target's
/// invariants hold in every `make test` and not only under `make fuzz`.
@Suite("Fuzz seed replay")
struct FuzzReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/CorpusNetwork").path

    @Test("every seed parses, plans on a host with its MACs, and renders commands the script runs")
    func seeds() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus).sorted()
        #expect(names.count >= 6)
        for name in names {
            let text = try String(contentsOfFile: Self.corpus + "/" + name, encoding: .utf8)
            let configuration = try NetworkConfiguration(yaml: text, source: name)
            var nics: [HostNICs.NIC] = []
            for interface in configuration.interfaces {
                if let mac = interface.macAddress, !nics.contains(where: { $0.macAddress == mac }) {
                    nics.append(HostNICs.NIC(name: "vmnic\(nics.count)", macAddress: mac))
                }
            }
            let plan = try Plan(for: configuration, on: HostNICs(nics))
            let script = plan.script()
            #expect(!plan.commands.isEmpty, "\(name)")
            for command in plan.commands {
                #expect(command.arguments.first == "network", "\(name): \(command)")
                #expect(script.contains("\nrun \(command.commandLine)\n"), "\(name): \(command)")
            }
            _ = try plan.json()
        }
    }
}
