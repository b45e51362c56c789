internal import Decompression
internal import SystemLayer

extension SoftwareBillOfMaterials {
    /// The name of the tool recorded as the documents' creator.
    static let toolName = "maas-images"

    /// The serial number of the documents: a UUID (RFC 9562 version 8, name-based over SHA-256) derived from the
    /// image's SHA-256 when one was given, else from everything the documents list. Same input, same UUID.
    public var serialNumber: String {
        var seed = Array("maas-images sbom\n".utf8)
        if let imageSHA256 {
            seed += Array(("image-sha256 " + hexString(imageSHA256)).utf8)
        } else {
            var text = "name \(imageName)\ntime \(timestamp)\n"
            if let os = operatingSystem {
                text += "os \(os.id) \(os.versionID) \(os.name) \(os.version) \(os.prettyName)\n"
            }
            for package in packages {
                text += package.packageURL + " " + package.licenses.joined(separator: ", ") + "\n"
            }
            seed += Array(text.utf8)
        }
        var bytes = Array(SHA256Hasher.hash(seed).prefix(16))
        bytes[6] = bytes[6] & 0x0F | 0x80
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = Array(hexString(bytes))
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }
        return groups.joined(separator: "-")
    }

    /// The documents' timestamp: `YYYY-MM-DDThh:mm:ssZ` (UTC), clamped to years 1970 through 9999.
    var timestampText: String {
        CivilTime.rfc3339(secondsSinceEpoch: Int64(min(max(timestamp, 0), 253_402_300_799)))
    }

    // MARK: - CycloneDX

    /// The bill of materials as a CycloneDX 1.6 JSON document (UTF-8, indented, final newline): the image as the
    /// metadata component (with its SHA-256 when given), the operating system as an `operating-system` component,
    /// and one `library` component per package with its purl, licenses (SPDX identifiers where DEP-5 names map to
    /// one, names otherwise, an SPDX expression for compound declarations), supplier (the maintainer), website and
    /// source package (properties `maas-images:deb:*`).
    public func cycloneDXJSON() -> [UInt8] {
        var imageComponent: [(String, JSONText)] = [
            ("type", .string("file")), ("bom-ref", .string("image")), ("name", .string(imageName)),
        ]
        if let imageSHA256 {
            imageComponent.append(
                (
                    "hashes",
                    .array([.object([("alg", .string("SHA-256")), ("content", .string(hexString(imageSHA256)))])])
                )
            )
        }
        var components: [JSONText] = []
        if let os = operatingSystem {
            var component: [(String, JSONText)] = [
                ("type", .string("operating-system")), ("bom-ref", .string("os:" + os.id)), ("name", .string(os.id)),
            ]
            if !os.versionID.isEmpty { component.append(("version", .string(os.versionID))) }
            let description = os.prettyName.isEmpty ? os.name : os.prettyName
            component.append(("description", .string(description)))
            if let url = Self.webAddress(os.homeURL) {
                component.append(
                    ("externalReferences", .array([.object([("type", .string("website")), ("url", .string(url))])])))
            }
            var properties: [JSONText] = []
            if !os.versionCodename.isEmpty {
                properties.append(Self.property("os:version-codename", os.versionCodename))
            }
            if !os.version.isEmpty { properties.append(Self.property("os:version", os.version)) }
            if !properties.isEmpty { component.append(("properties", .array(properties))) }
            components.append(.object(component))
        }
        for package in packages {
            var component: [(String, JSONText)] = [
                ("type", .string("library")), ("bom-ref", .string(package.packageURL)),
            ]
            if let supplier = Self.maintainerName(package.maintainer) {
                component.append(("supplier", .object([("name", .string(supplier))])))
            }
            component.append(("name", .string(package.name)))
            component.append(("version", .string(package.version)))
            if let licenses = Self.cycloneDXLicenses(package.licenses) { component.append(("licenses", licenses)) }
            component.append(("purl", .string(package.packageURL)))
            if let url = Self.webAddress(package.homepage) {
                component.append(
                    ("externalReferences", .array([.object([("type", .string("website")), ("url", .string(url))])])))
            }
            var properties = [Self.property("maas-images:deb:architecture", package.architecture)]
            if package.sourceName != package.name || package.sourceVersion != package.version {
                properties.append(Self.property("maas-images:deb:source-name", package.sourceName))
                properties.append(Self.property("maas-images:deb:source-version", package.sourceVersion))
            }
            component.append(("properties", .array(properties)))
            components.append(.object(component))
        }
        var dependencies: [JSONText] = []
        var imageDependsOn: [JSONText] = []
        if let os = operatingSystem { imageDependsOn.append(.string("os:" + os.id)) }
        imageDependsOn += packages.map { .string($0.packageURL) }
        dependencies.append(.object([("ref", .string("image")), ("dependsOn", .array(imageDependsOn))]))
        let document: JSONText = .object([
            ("bomFormat", .string("CycloneDX")),
            ("specVersion", .string("1.6")),
            ("serialNumber", .string("urn:uuid:" + serialNumber)),
            ("version", .integer(1)),
            (
                "metadata",
                .object([
                    ("timestamp", .string(timestampText)),
                    (
                        "tools",
                        .object([
                            (
                                "components",
                                .array([.object([("type", .string("application")), ("name", .string(Self.toolName))])])
                            )
                        ])
                    ),
                    ("component", .object(imageComponent)),
                ])
            ),
            ("components", .array(components)),
            ("dependencies", .array(dependencies)),
        ])
        return document.bytes()
    }

    private static func property(_ name: String, _ value: String) -> JSONText {
        .object([("name", .string(name)), ("value", .string(value))])
    }

    /// CycloneDX's license choice: a list of licenses (SPDX identifiers or names) when every declaration is one
    /// name, else one SPDX expression.
    private static func cycloneDXLicenses(_ licenses: [String]) -> JSONText? {
        guard !licenses.isEmpty else { return nil }
        let converted = licenses.map { LicenseExpression.convert($0) }
        if converted.allSatisfy(\.isSingleName) {
            var seen: Set<String> = []
            var list: [JSONText] = []
            for (original, license) in zip(licenses, converted) {
                let entry: (String, String) =
                    license.singleIdentifier.map { ("id", $0) } ?? ("name", original)
                guard seen.insert(entry.0 + " " + entry.1).inserted else { continue }
                list.append(.object([("license", .object([(entry.0, .string(entry.1))]))]))
            }
            return .array(list)
        }
        return .array([.object([("expression", .string(spdxExpression(converted)))])])
    }

    /// One SPDX expression for all the declarations of a package: joined by `AND`.
    private static func spdxExpression(_ converted: [LicenseExpression.Converted]) -> String {
        if converted.count == 1, let only = converted.first { return only.expression }
        return converted.map { $0.isSingleName ? $0.expression : "(\($0.expression))" }.joined(separator: " AND ")
    }

    /// The name part of a `Maintainer` field (`Name <address>`), without parentheses or control characters; nil
    /// when nothing is left.
    static func maintainerName(_ maintainer: String) -> String? {
        let name = maintainer.split(separator: "<", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let cleaned = String(
            name.unicodeScalars.filter { $0.value >= 0x20 && $0 != "(" && $0 != ")" && $0.value != 0x7F })
        let trimmed = cleaned.split(separator: " ").joined(separator: " ")
        return trimmed.isEmpty ? nil : trimmed
    }

    /// `text` when it is a plain http or https address (printable ASCII, no spaces or characters URIs forbid),
    /// else nil: homepages come from the image and are recorded only when they are well-formed.
    static func webAddress(_ text: String) -> String? {
        guard text.hasPrefix("http://") || text.hasPrefix("https://"), text.utf8.count <= 2048 else { return nil }
        let forbidden = Set("\"<>\\^`{|} ".utf8)
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !forbidden.contains($0) }) else { return nil }
        guard text.utf8.count > (text.hasPrefix("https://") ? 8 : 7) else { return nil }
        return text
    }

    // MARK: - SPDX

    /// The bill of materials as an SPDX 2.3 JSON document (UTF-8, indented, final newline): the document describes
    /// the image (a package with its SHA-256 when given), which contains the operating system (purpose
    /// `OPERATING-SYSTEM`) and one package per Debian package with its purl (external reference), declared license
    /// (an SPDX expression; DEP-5 names SPDX does not list become `LicenseRef-` identifiers, listed in
    /// `hasExtractedLicensingInfos`), supplier, homepage and source package (`sourceInfo`).
    public func spdxJSON() -> [UInt8] {
        let uuid = serialNumber
        var imagePackage: [(String, JSONText)] = [
            ("SPDXID", .string("SPDXRef-Image")), ("name", .string(imageName)),
            ("downloadLocation", .string("NOASSERTION")), ("filesAnalyzed", .boolean(false)),
        ]
        if let imageSHA256 {
            imagePackage.append(
                (
                    "checksums",
                    .array([
                        .object([("algorithm", .string("SHA256")), ("checksumValue", .string(hexString(imageSHA256)))])
                    ])
                )
            )
        }
        imagePackage.append(("primaryPackagePurpose", .string("FILE")))
        var spdxPackages: [JSONText] = [.object(imagePackage)]
        var relationships: [JSONText] = [Self.relationship("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image")]
        if let os = operatingSystem {
            var package: [(String, JSONText)] = [
                ("SPDXID", .string("SPDXRef-OperatingSystem")), ("name", .string(os.id)),
            ]
            if !os.versionID.isEmpty { package.append(("versionInfo", .string(os.versionID))) }
            package.append(("downloadLocation", .string("NOASSERTION")))
            package.append(("filesAnalyzed", .boolean(false)))
            if let url = Self.webAddress(os.homeURL) { package.append(("homepage", .string(url))) }
            package.append(("description", .string(os.prettyName.isEmpty ? os.name : os.prettyName)))
            package.append(("primaryPackagePurpose", .string("OPERATING-SYSTEM")))
            spdxPackages.append(.object(package))
            relationships.append(Self.relationship("SPDXRef-Image", "CONTAINS", "SPDXRef-OperatingSystem"))
        }
        var references: [(id: String, name: String)] = []
        for (index, package) in packages.enumerated() {
            let identifier =
                "SPDXRef-Package-\(index + 1)-" + Self.identifierText(package.name + "-" + package.architecture)
            var entry: [(String, JSONText)] = [
                ("SPDXID", .string(identifier)), ("name", .string(package.name)),
                ("versionInfo", .string(package.version)),
            ]
            if let supplier = Self.maintainerName(package.maintainer) {
                entry.append(("supplier", .string("Organization: " + supplier)))
            }
            entry.append(("downloadLocation", .string("NOASSERTION")))
            entry.append(("filesAnalyzed", .boolean(false)))
            if let url = Self.webAddress(package.homepage) { entry.append(("homepage", .string(url))) }
            if package.sourceName != package.name || package.sourceVersion != package.version {
                entry.append(
                    ("sourceInfo", .string("built package from: \(package.sourceName) \(package.sourceVersion)")))
            }
            entry.append(("licenseConcluded", .string("NOASSERTION")))
            var declared = "NOASSERTION"
            if !package.licenses.isEmpty {
                let converted = package.licenses.map { LicenseExpression.convert($0) }
                declared = Self.spdxExpression(converted)
                for reference in converted.flatMap(\.references)
                where !references.contains(where: { $0.id == reference.id }) {
                    references.append(reference)
                }
            }
            entry.append(("licenseDeclared", .string(declared)))
            entry.append(("copyrightText", .string("NOASSERTION")))
            entry.append(
                (
                    "externalRefs",
                    .array([
                        .object([
                            ("referenceCategory", .string("PACKAGE-MANAGER")), ("referenceType", .string("purl")),
                            ("referenceLocator", .string(package.packageURL)),
                        ])
                    ])
                ))
            spdxPackages.append(.object(entry))
            relationships.append(Self.relationship("SPDXRef-Image", "CONTAINS", identifier))
        }
        var document: [(String, JSONText)] = [
            ("spdxVersion", .string("SPDX-2.3")),
            ("dataLicense", .string("CC0-1.0")),
            ("SPDXID", .string("SPDXRef-DOCUMENT")),
            ("name", .string(imageName)),
            ("documentNamespace", .string("https://spdx.org/spdxdocs/maas-images-sbom-" + uuid)),
            (
                "creationInfo",
                .object([
                    ("created", .string(timestampText)), ("creators", .array([.string("Tool: " + Self.toolName)])),
                ])
            ),
        ]
        if !references.isEmpty {
            let sorted = references.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
            document.append(
                (
                    "hasExtractedLicensingInfos",
                    .array(
                        sorted.map { reference in
                            .object([
                                ("licenseId", .string(reference.id)),
                                (
                                    "extractedText",
                                    .string(
                                        "The license named '\(reference.name)' in the Debian machine-readable copyright "
                                            + "files (/usr/share/doc/PACKAGE/copyright) of the image's packages.")
                                ),
                                ("name", .string(reference.name)),
                            ])
                        })
                ))
        }
        document.append(("packages", .array(spdxPackages)))
        document.append(("relationships", .array(relationships)))
        return JSONText.object(document).bytes()
    }

    private static func relationship(_ element: String, _ type: String, _ related: String) -> JSONText {
        .object([
            ("spdxElementId", .string(element)), ("relationshipType", .string(type)),
            ("relatedSpdxElement", .string(related)),
        ])
    }

    /// `text` with every character SPDX identifiers do not allow (letters, digits, `.` and `-` are) replaced by `-`.
    private static func identifierText(_ text: String) -> String {
        String(
            text.unicodeScalars.map { scalar -> Character in
                switch scalar {
                case "A"..."Z", "a"..."z", "0"..."9", ".", "-": Character(scalar)
                default: "-"
                }
            })
    }
}

/// Lower-case hexadecimal.
func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
}
