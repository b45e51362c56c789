/// An Ubuntu release: its series name, version and title, as `distro-info` lists them.
///
/// MAAS turns kernel strings into versions by looking releases up by series or version prefix
/// (`get_release_from_distro_info`); ``UbuntuReleaseTable`` does the same over this table.
public struct UbuntuRelease: Hashable, Sendable, CustomStringConvertible {
    /// The series (code) name: `jammy`.
    public var series: String
    /// The version: `22.04`.
    public var version: String
    /// The full codename: `Jammy Jellyfish`.
    public var codename: String
    /// Whether it is a long-term-support release.
    public var isLTS: Bool

    /// A release.
    public init(series: String, version: String, codename: String, isLTS: Bool) {
        self.series = series
        self.version = version
        self.codename = codename
        self.isLTS = isLTS
    }

    /// The version as numbers, `(22, 4)`, or `nil` if it is not `MAJOR.MINOR`.
    var versionNumbers: (major: Int, minor: Int)? {
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0 else {
            return nil
        }
        return (major, minor)
    }

    /// `22.04 LTS` or `22.10`: the title MAAS streams give as `release_title`.
    public var title: String { isLTS ? version + " LTS" : version }

    public var description: String { "\(series) (\(title))" }
}

/// A list of Ubuntu releases, oldest first, that kernel strings and release names are resolved against.
///
/// ``standard`` holds every release from 4.10 (warty) to 26.04 (resolute); a catalogue can add the releases its
/// products name (``adding(_:)``), as MAAS falls back on its boot-source cache.
public struct UbuntuReleaseTable: Hashable, Sendable {
    /// The releases, oldest first.
    public private(set) var releases: [UbuntuRelease]

    /// A table of `releases`, oldest first.
    public init(_ releases: [UbuntuRelease]) { self.releases = releases }

    /// The table with `release` appended unless a release of the same series or version is already there.
    public func adding(_ release: UbuntuRelease) -> UbuntuReleaseTable {
        if releases.contains(where: { $0.series == release.series || $0.version == release.version }) { return self }
        var copy = self
        copy.releases.append(release)
        return copy
    }

    /// The release that `name` names, as MAAS's `get_release` finds it: the first release, oldest first, whose
    /// series starts with `name` (from 12.04 on, so that `w` is wily, not warty) or whose version starts with `name`.
    /// `x` is xenial, `22.04` jammy, `jammy` jammy; `nil` when none matches.
    public func release(named name: String) -> UbuntuRelease? {
        guard !name.isEmpty else { return nil }
        return releases.first { release in
            let modern = (release.versionNumbers?.major ?? 0) >= 12
            return (modern && release.series.hasPrefix(name)) || release.version.hasPrefix(name)
        }
    }

    /// The newest long-term-support release in the table.
    public var latestLTS: UbuntuRelease? { releases.last(where: \.isLTS) }

    /// Every Ubuntu release, 4.10 to 26.04.
    public static let standard = UbuntuReleaseTable(
        [
            ("warty", "4.10", "Warty Warthog", false), ("hoary", "5.04", "Hoary Hedgehog", false),
            ("breezy", "5.10", "Breezy Badger", false), ("dapper", "6.06", "Dapper Drake", true),
            ("edgy", "6.10", "Edgy Eft", false), ("feisty", "7.04", "Feisty Fawn", false),
            ("gutsy", "7.10", "Gutsy Gibbon", false), ("hardy", "8.04", "Hardy Heron", true),
            ("intrepid", "8.10", "Intrepid Ibex", false), ("jaunty", "9.04", "Jaunty Jackalope", false),
            ("karmic", "9.10", "Karmic Koala", false), ("lucid", "10.04", "Lucid Lynx", true),
            ("maverick", "10.10", "Maverick Meerkat", false), ("natty", "11.04", "Natty Narwhal", false),
            ("oneiric", "11.10", "Oneiric Ocelot", false), ("precise", "12.04", "Precise Pangolin", true),
            ("quantal", "12.10", "Quantal Quetzal", false), ("raring", "13.04", "Raring Ringtail", false),
            ("saucy", "13.10", "Saucy Salamander", false), ("trusty", "14.04", "Trusty Tahr", true),
            ("utopic", "14.10", "Utopic Unicorn", false), ("vivid", "15.04", "Vivid Vervet", false),
            ("wily", "15.10", "Wily Werewolf", false), ("xenial", "16.04", "Xenial Xerus", true),
            ("yakkety", "16.10", "Yakkety Yak", false), ("zesty", "17.04", "Zesty Zapus", false),
            ("artful", "17.10", "Artful Aardvark", false), ("bionic", "18.04", "Bionic Beaver", true),
            ("cosmic", "18.10", "Cosmic Cuttlefish", false), ("disco", "19.04", "Disco Dingo", false),
            ("eoan", "19.10", "Eoan Ermine", false), ("focal", "20.04", "Focal Fossa", true),
            ("groovy", "20.10", "Groovy Gorilla", false), ("hirsute", "21.04", "Hirsute Hippo", false),
            ("impish", "21.10", "Impish Indri", false), ("jammy", "22.04", "Jammy Jellyfish", true),
            ("kinetic", "22.10", "Kinetic Kudu", false), ("lunar", "23.04", "Lunar Lobster", false),
            ("mantic", "23.10", "Mantic Minotaur", false), ("noble", "24.04", "Noble Numbat", true),
            ("oracular", "24.10", "Oracular Oriole", false), ("plucky", "25.04", "Plucky Puffin", false),
            ("questing", "25.10", "Questing Quokka", false), ("resolute", "26.04", "Resolute Raccoon", true),
        ].map { UbuntuRelease(series: $0.0, version: $0.1, codename: $0.2, isLTS: $0.3) })
}
