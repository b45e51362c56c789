import BootAssets
import Testing

@Suite("Boot file types")
struct BootFileTypeTests {
    @Test("MAAS's eighteen distinct file types, one root-dd")
    func maasTypes() {
        #expect(BootFileType.maasTypes.count == 18)
        #expect(Set(BootFileType.maasTypes).count == 18)
        #expect(BootFileType.maasTypes.allSatisfy { $0.isKnownToMAAS })
        #expect(!BootFileType.manifest.isKnownToMAAS && BootFileType.manifest.isStreamOnly)
    }

    @Test("Unknown strings are kept, not rejected")
    func unknownTypes() throws {
        let type = BootFileType(rawValue: "root-vhdx")
        #expect(type.rawValue == "root-vhdx")
        #expect(!type.isKnown && !type.isRootImage && type.curtinSourceType == nil)
        #expect(type.displayName == "root-vhdx")
        #expect(BootFileType(rawValue: "squashfs") == .squashfs)
    }

    @Test(
        "Curtin source types follow MAAS's _get_image_filetypes",
        arguments: [
            ("squashfs", "squashfs"), ("root-tgz", "tgz"), ("root-tbz", "tbz"), ("root-txz", "txz"),
            ("root-dd", "dd-tgz"), ("root-dd.tar", "dd-tar"), ("root-dd.raw", "dd-raw"), ("root-dd.bz2", "dd-bz2"),
            ("root-dd.gz", "dd-gz"), ("root-dd.xz", "dd-xz"), ("root-dd.tar.bz2", "dd-tbz"),
            ("root-dd.tar.xz", "dd-txz"), ("self-extracting", "self-extracting"),
        ])
    func curtinSourceTypes(fileType: String, curtin: String) {
        #expect(BootFileType(rawValue: fileType).curtinSourceType?.rawValue == curtin)
    }

    @Test("Kernels, initrds, manifests and root-image.gz are not curtin sources")
    func notCurtinSources() {
        for type in [BootFileType.bootKernel, .bootInitrd, .bootDTB, .manifest, .archiveTarXZ, .rootImageGZ] {
            #expect(type.curtinSourceType == nil, "\(type)")
        }
    }

    @Test("Only root-dd among the disk images is xinstallable, as in MAAS's XINSTALL_TYPES")
    func xinstallable() {
        #expect(BootFileType.rootDD.isXInstallable)
        #expect(!BootFileType.rootDDXZ.isXInstallable && BootFileType.rootDDXZ.isDiskImage)
        #expect(BootFileType.squashfs.isXInstallable && BootFileType.rootImageGZ.isXInstallable)
        #expect(!BootFileType.bootKernel.isXInstallable)
    }

    @Test("Operating systems accept their file families for deployment")
    func deployment() {
        #expect(BootFileType.squashfs.isAccepted(forDeploymentOf: "ubuntu"))
        #expect(!BootFileType.rootDDXZ.isAccepted(forDeploymentOf: "ubuntu"))
        #expect(BootFileType.rootDDXZ.deployingOperatingSystems == ["ubuntu-core", "custom", "windows", "esxi"])
        #expect(BootFileType.rootTGZ.deployingOperatingSystems == ["ubuntu", "centos", "rhel", "custom", "suse", "ol"])
        #expect(BootFileType.selfExtracting.deployingOperatingSystems == ["onie"])
        #expect(BootFileType.deploymentTypes(forOperatingSystem: "plan9") == nil)
        #expect(BootFileType.deploymentTypes(forOperatingSystem: "bootloader") == [])
    }

    @Test("Uploads are stored under MAAS's names")
    func uploads() {
        #expect(BootFileType.rootTGZ.uploadFileType == "tgz" && BootFileType.rootTGZ.uploadedFilename == "root.tgz")
        #expect(BootFileType.rootDD.uploadFileType == "ddtgz" && BootFileType.rootDD.uploadedFilename == "root-dd")
        #expect(BootFileType.squashfs.uploadFileType == nil && BootFileType.squashfs.isSyncOnly)
    }
}
