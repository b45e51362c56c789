#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Something that holds simplestreams attributes by name: a document's top level, a product, a version, an item, or
/// an item flattened with everything it inherits (``FlattenedItem``).
///
/// The typed accessors read the field of the same name (`content_id`, `sha256`, `bootloader-type`, ...) and give
/// `nil` when it is absent or of another JSON type. Every other field is reachable with ``attribute(_:)``.
public protocol StreamAttributes {
    /// The value of the field `key`, or `nil` when there is none.
    func attribute(_ key: String) -> JSONValue?
}

extension StreamAttributes {
    /// The string value of `key`, or `nil` when it is absent or not a string.
    public func string(_ key: String) -> String? { attribute(key)?.stringValue }

    // MARK: Document level

    /// `content_id`: the id of a products document (`com.ubuntu.maas:stable:v3:download`).
    public var contentID: String? { string("content_id") }
    /// `datatype`: `image-ids` (MAAS), `image-downloads` (cloud images, LXD), `release-notifications`, or others.
    public var datatype: String? { string("datatype") }
    /// `format`: `index:1.0`, `products:1.0`, or another format this reader keeps but does not interpret.
    public var format: String? { string("format") }
    /// `updated`, as written (RFC 2822: `Thu, 24 Jul 2025 08:01:49 +0000`).
    public var updated: String? { string("updated") }
    /// `updated` as a date, or `nil` when absent or not RFC 2822.
    public var updatedDate: Date? { updated.flatMap(StreamDates.parseRFC2822) }
    /// `license` (cloud-images streams).
    public var license: String? { string("license") }
    /// `creator` (cloud-images streams).
    public var creator: String? { string("creator") }

    // MARK: Product level

    /// `arch`: the architecture (`amd64`, `arm64`, ...).
    public var arch: String? { string("arch") }
    /// `arches`: a comma-separated list on bootloader products (`amd64, i386`).
    public var arches: String? { string("arches") }
    /// `os`: `ubuntu`, `centos`, a bootloader name (`grub-efi-signed`), ...
    public var os: String? { string("os") }
    /// `release`: the code name (`jammy`, `centos70`).
    public var release: String? { string("release") }
    /// `version`: the release version (`22.04`, `7.0`).
    public var version: String? { string("version") }
    /// `subarch`: the kernel (`ga-22.04`, `hwe-24.04-lowlatency-edge`).
    public var subarch: String? { string("subarch") }
    /// `subarches`: the comma-separated subarchitectures the kernel supports, as written.
    public var subarches: String? { string("subarches") }
    /// `kflavor`: the kernel flavour (`generic`, `lowlatency`).
    public var kflavor: String? { string("kflavor") }
    /// `krel`: the release the kernel comes from.
    public var krel: String? { string("krel") }
    /// `label`: `stable`, `candidate`, ...
    public var label: String? { string("label") }
    /// `release_title`: `22.04 LTS`.
    public var releaseTitle: String? { string("release_title") }
    /// `release_codename`: `Jammy Jellyfish`.
    public var releaseCodename: String? { string("release_codename") }
    /// `support_eol`, as written (`2027-04-21`).
    public var supportEOL: String? { string("support_eol") }
    /// `support_esm_eol`, as written (`2032-04-21`).
    public var supportESMEOL: String? { string("support_esm_eol") }
    /// `bootloader-type`: `pxe`, `uefi` or `open-firmware`.
    public var bootloaderType: String? { string("bootloader-type") }
    /// `pubname` (cloud-images versions).
    public var pubname: String? { string("pubname") }

    // MARK: Item level

    /// `ftype`: the file type (`boot-kernel`, `squashfs`, `root-tgz`, `archive.tar.xz`, ...).
    public var ftype: String? { string("ftype") }
    /// `path`: where the file is, relative to the mirror root.
    public var path: String? { string("path") }
    /// `size` in bytes: an integer, or a string of decimal digits (python-simplestreams applies `int()`).
    public var size: Int64? {
        switch attribute("size") {
        case .integer(let value)?: value >= 0 ? value : nil
        case .string(let text)?: Int64(text).flatMap { $0 >= 0 ? $0 : nil }
        default: nil
        }
    }
    /// `sha256`, lowercase hexadecimal.
    public var sha256: String? { string("sha256") }
    /// `sha512`, lowercase hexadecimal.
    public var sha512: String? { string("sha512") }
    /// `md5`, lowercase hexadecimal.
    public var md5: String? { string("md5") }
    /// `kpackage`: the kernel package (`linux-generic`).
    public var kpackage: String? { string("kpackage") }
    /// `src_package`: the source package of a bootloader archive.
    public var sourcePackage: String? { string("src_package") }
    /// `src_release`: the release the bootloader was taken from.
    public var sourceRelease: String? { string("src_release") }
    /// `src_version`: the source package version.
    public var sourceVersion: String? { string("src_version") }
    /// `di_version`: the debian-installer version of `di-*` items.
    public var diVersion: String? { string("di_version") }
}
