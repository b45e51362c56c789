extension BootResourceCatalogue {
    /// The boot set for a machine, chosen as MAAS chooses it, or an error that names what is missing.
    ///
    /// 1. The Ubuntu resource that boots the machine: for Ubuntu, the requested release; for another operating
    ///    system, ``BootSetRequest/ephemeralRelease`` or else the newest LTS release the catalogue can boot on the
    ///    architecture. A kernel string as subarchitecture is a resource's own, else one a resource lists in
    ///    `subarches` (legacy `hwe-x`), and must not be older than the release; a platform (`generic`) takes,
    ///    among the resources that list it in `subarches` and have a complete version, the first in
    ///    ``KernelString/ordering(in:)`` order that is not older than the release (`ga-22.04` on jammy, not
    ///    `hwe-22.04`).
    /// 2. Its latest complete version gives the kernel, initrd and root (and for `xgene-uboot-mustang` the device
    ///    tree).
    /// 3. The deployment image: for Ubuntu the squashfs (or root archive) of that version; for another operating
    ///    system the file of the requested resource's latest complete version whose type the operating system
    ///    deploys (``BootFileType/deploymentTypes(forOperatingSystem:)``).
    /// 4. With a firmware, the boot method (``BootMethod/forFirmware(_:arch:)``) and the files its bootloader
    ///    serves, from the latest complete version of the bootloader resource.
    ///
    /// - Throws: ``BootAssetsError/Code/noSuchImage`` naming the missing resource, kernel or bootloader (and the
    ///   `no-such-image` path MAAS would hand the machine); ``BootAssetsError/Code/incomplete`` naming the file
    ///   types every candidate version lacks; ``BootAssetsError/Code/unsupported`` for a firmware no boot method
    ///   serves on the architecture or an operating system MAAS cannot deploy.
    public func bootSet(for request: BootSetRequest) throws(BootAssetsError) -> BootSet {
        let bootRelease = try ephemeralRelease(for: request)
        let (resource, version) = try bootResource(release: bootRelease, request: request)
        guard let kernel = version.file(ofType: .bootKernel), let initrd = version.file(ofType: .bootInitrd),
            let root = version.bootRoot
        else {
            throw BootAssetsError(
                .incomplete,
                "\(resource) version \(version.name) cannot boot: missing "
                    + version.completeness.missingForBoot.map(\.description).joined(separator: "; "))
        }
        let deviceTree =
            request.subarch == "xgene-uboot-mustang" || resource.architecture.subarch == "xgene-uboot-mustang"
            ? version.file(ofType: .bootDTB) : nil
        let deployment = try deploymentImage(for: request, bootResource: resource, bootVersion: version)
        var method: BootMethod?
        var bootloader: BootloaderSelection?
        if let firmware = request.firmware {
            let chosen = try BootMethod.forFirmware(firmware, arch: request.arch)
            method = chosen
            bootloader = try bootloaderSelection(for: chosen, arch: request.arch)
        }
        return BootSet(
            request: request, resource: resource, version: version, kernel: kernel, initrd: initrd, root: root,
            deviceTree: deviceTree, deployment: deployment, bootMethod: method, bootloader: bootloader)
    }

    /// The Ubuntu release that boots the request.
    private func ephemeralRelease(for request: BootSetRequest) throws(BootAssetsError) -> String {
        if request.os == "ubuntu" { return request.release }
        if let release = request.ephemeralRelease { return release }
        let bootable = Set(
            resources(os: "ubuntu", arch: request.arch).filter { $0.latestCompleteVersion != nil }.map(\.release))
        guard let newest = releases.releases.last(where: { $0.isLTS && bootable.contains($0.series) }) else {
            throw BootAssetsError(
                .noSuchImage,
                "no complete Ubuntu LTS resource for \(request.arch) to boot the \(request.os)/\(request.release) "
                    + "installer with; import one or give the ephemeral release")
        }
        return newest.series
    }

    /// The Ubuntu resource and version whose kernel boots the request.
    private func bootResource(release: String, request: BootSetRequest) throws(BootAssetsError) -> (
        BootResource, BootResourceVersion
    ) {
        let missingPath = { (subarch: String) in
            "MAAS would hand the machine "
                + ServingPaths.missingImagePath(
                    os: "ubuntu", arch: request.arch, subarch: subarch, release: release, file: .bootKernel)
        }
        let named = resources.filter {
            $0.family == .ubuntu && $0.os == "ubuntu" && ($0.release == release || $0.version == release)
        }
        guard !named.isEmpty else {
            let known = Set(resources.filter { $0.family == .ubuntu }.map(\.name)).sorted()
            throw BootAssetsError(
                .noSuchImage,
                "no boot resource ubuntu/\(release) in the catalogue (it has "
                    + (known.isEmpty ? "no Ubuntu resources" : known.joined(separator: ", ")) + "); "
                    + missingPath(request.subarch))
        }
        let onArch = named.filter { $0.architecture.arch == request.arch }
        guard !onArch.isEmpty else {
            let arches = Set(named.map(\.architecture.arch)).sorted().joined(separator: ", ")
            throw BootAssetsError(
                .noSuchImage,
                "ubuntu/\(release) has no \(request.arch) resource (it has \(arches)); " + missingPath(request.subarch))
        }
        // A kernel string names a resource's architecture, or a kernel a resource stands in for (its `subarches`);
        // a platform is one a resource supports.
        let isKernel = (try? KernelString(parsing: request.subarch))?.channel != nil
        let exact = onArch.filter { $0.architecture.subarch == request.subarch }
        let candidates = isKernel && !exact.isEmpty ? exact : onArch.filter { $0.supports(subarch: request.subarch) }
        let available = onArch.map(\.architecture.subarch).sorted().joined(separator: ", ")
        guard !candidates.isEmpty else {
            throw BootAssetsError(
                .noSuchImage,
                "ubuntu/\(release) \(request.arch) has no kernel for subarchitecture '\(request.subarch)' "
                    + "(available: \(available)); " + missingPath(request.subarch))
        }
        let complete = candidates.compactMap { resource in
            resource.latestCompleteVersion.map { (resource, $0) }
        }
        guard !complete.isEmpty else {
            let reasons = candidates.map { resource in
                let newest = resource.latestVersion.map { "\($0.name) \($0.completeness)" } ?? "no versions"
                return "\(resource): \(newest)"
            }
            throw BootAssetsError(
                .incomplete,
                "ubuntu/\(release) \(request.arch)/\(request.subarch): no complete version; "
                    + reasons.joined(separator: "; "))
        }
        let releaseOrder =
            (try? KernelString.ordering(of: release, in: releases)) ?? KernelOrdering(major: 0, minor: 0, weight: 0)
        if isKernel, let requested = try? KernelString.ordering(of: request.subarch, in: releases),
            requested < releaseOrder
        {
            throw BootAssetsError(
                .unsupported, "kernel \(request.subarch) is too old to use on ubuntu/\(release) (as MAAS refuses it)")
        }
        if complete.count == 1, let only = complete.first { return only }
        // The oldest kernel that is not older than the release, as MAAS's get_working_kernel picks; a
        // subarchitecture whose release is unknown sorts last.
        let unknown = KernelOrdering(major: .max, minor: .max, weight: .max)
        let ranked = complete.map { pair in
            (pair, (try? KernelString.ordering(of: pair.0.architecture.subarch, in: releases)) ?? unknown)
        }.sorted { $0.1 < $1.1 }
        guard let best = ranked.first(where: { $0.1 >= releaseOrder }) ?? ranked.first else {
            throw BootAssetsError(.noSuchImage, "ubuntu/\(release) \(request.arch): no kernel")
        }
        return best.0
    }

    /// The image curtin installs for the request.
    private func deploymentImage(
        for request: BootSetRequest, bootResource: BootResource, bootVersion: BootResourceVersion
    ) throws(BootAssetsError) -> DeploymentImage {
        guard let types = BootFileType.deploymentTypes(forOperatingSystem: request.os), !types.isEmpty else {
            throw BootAssetsError(
                .unsupported,
                "MAAS does not deploy '\(request.os)' (it deploys "
                    + BootFileType.knownOperatingSystems.filter {
                        !(BootFileType.deploymentTypes(forOperatingSystem: $0) ?? []).isEmpty
                    }.joined(separator: ", ") + ")")
        }
        func pick(_ version: BootResourceVersion) -> BootResourceFile? {
            types.lazy.compactMap { version.file(ofType: $0) }.first
        }
        if request.os == "ubuntu" {
            guard let file = pick(bootVersion) else {
                throw BootAssetsError(
                    .incomplete,
                    "\(bootResource) version \(bootVersion.name) has no file Ubuntu deploys from ("
                        + types.map(\.rawValue).joined(separator: ", ") + ")")
            }
            return DeploymentImage(resource: bootResource, version: bootVersion, file: file)
        }
        let named = resources.filter {
            $0.family != .bootloader && $0.os == request.os
                && ($0.release == request.release || $0.version == request.release)
        }
        let onArch = named.filter { $0.architecture.arch == request.arch }
        guard !onArch.isEmpty else {
            let path = ServingPaths.missingImagePath(
                os: request.os, arch: request.arch, subarch: request.subarch, release: request.release,
                file: types[0])
            throw BootAssetsError(
                .noSuchImage,
                named.isEmpty
                    ? "no boot resource \(request.os)/\(request.release) in the catalogue; MAAS would hand curtin \(path)"
                    : "\(request.os)/\(request.release) has no \(request.arch) resource; MAAS would hand curtin \(path)"
            )
        }
        let supporting = onArch.filter { $0.supports(subarch: request.subarch) }
        for resource in supporting.isEmpty ? onArch : supporting {
            if let version = resource.latestCompleteVersion, let file = pick(version) {
                return DeploymentImage(resource: resource, version: version, file: file)
            }
        }
        let reasons = onArch.map { resource in
            guard let version = resource.latestVersion else { return "\(resource): no versions" }
            return pick(version) == nil
                ? "\(resource) version \(version.name) has none of " + types.map(\.rawValue).joined(separator: ", ")
                : "\(resource) version \(version.name) \(version.completeness)"
        }
        throw BootAssetsError(
            .incomplete,
            "\(request.os)/\(request.release) \(request.arch): no complete version to deploy; "
                + reasons.joined(separator: "; "))
    }

    /// The bootloader files a boot method fetches.
    private func bootloaderSelection(for method: BootMethod, arch: String) throws(BootAssetsError)
        -> BootloaderSelection?
    {
        guard let type = method.bootloaderType, let supported = method.supportedBootloader else { return nil }
        guard let resource = resources.first(where: { $0.supportedBootloader == supported }) else {
            throw BootAssetsError(
                .noSuchImage,
                "no bootloader \(supported.resourceName) for \(supported.arch) in the catalogue: \(method.name) "
                    + "machines on \(arch) fetch " + method.bootloaderFiles.joined(separator: ", ")
                    + " from it (product com.ubuntu.maas.LABEL:1:\(supported.os):\(type):\(supported.arch))")
        }
        guard let version = resource.latestCompleteVersion else {
            throw BootAssetsError(
                .incomplete,
                "\(resource.name) \(resource.architecture) has no complete version; "
                    + (resource.latestVersion.map { "\($0.name) \($0.completeness)" } ?? "no versions"))
        }
        var files: [ServedBootloaderFile] = []
        for name in method.bootloaderFiles {
            guard let file = supported.file(servedAs: name) else { continue }
            guard let archive = version.file(named: file.archive) else {
                throw BootAssetsError(
                    .incomplete,
                    "\(resource.name) \(resource.architecture) version \(version.name) has no '\(file.archive)' "
                        + "archive, which provides \(name)")
            }
            files.append(
                ServedBootloaderFile(
                    servedName: name, servingPath: supported.servingPath(of: name), file: file, archive: archive))
        }
        return BootloaderSelection(resource: resource, version: version, files: files)
    }
}
