import SquashFS

extension SoftwareBillOfMaterials {
    /// The operating system of an image, from its `os-release` file (`/etc/os-release`, else
    /// `/usr/lib/os-release`), as os-release(5) defines the fields.
    public struct OperatingSystem: Sendable, Hashable {
        /// `ID`: a lower-case identifier (`ubuntu`, `debian`); `linux` when the file does not say.
        public var id: String
        /// `VERSION_ID` (`24.04`, `12`); empty when absent (Debian testing).
        public var versionID: String
        /// `NAME` (`Ubuntu`); `Linux` when absent.
        public var name: String
        /// `VERSION` (`24.04.1 LTS (Noble Numbat)`); empty when absent.
        public var version: String
        /// `PRETTY_NAME`; empty when absent.
        public var prettyName: String
        /// `VERSION_CODENAME` (`noble`); empty when absent.
        public var versionCodename: String
        /// `HOME_URL`; empty when absent.
        public var homeURL: String

        /// Creates an operating system description.
        public init(
            id: String, versionID: String = "", name: String = "", version: String = "", prettyName: String = "",
            versionCodename: String = "", homeURL: String = ""
        ) {
            self.id = id
            self.versionID = versionID
            self.name = name.isEmpty ? "Linux" : name
            self.version = version
            self.prettyName = prettyName
            self.versionCodename = versionCodename
            self.homeURL = homeURL
        }

        /// Parses os-release text: `KEY=value` lines, values unquoted or in single or double quotes (with `\`
        /// escapes in double quotes), `#` comments; unknown keys are ignored.
        public init(osReleaseText text: String) {
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                let trimmed = line.drop { $0 == " " || $0 == "\t" }
                guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
                let key = String(trimmed[..<equals])
                fields[key] = Self.unquote(trimmed[trimmed.index(after: equals)...])
            }
            let id = (fields["ID"] ?? "").lowercased()
            self.init(
                id: id.isEmpty ? "linux" : id, versionID: fields["VERSION_ID"] ?? "", name: fields["NAME"] ?? "",
                version: fields["VERSION"] ?? "", prettyName: fields["PRETTY_NAME"] ?? "",
                versionCodename: fields["VERSION_CODENAME"] ?? "", homeURL: fields["HOME_URL"] ?? "")
        }

        /// A shell-like value: quotes removed, `\` escapes resolved inside double quotes, trailing blanks dropped.
        private static func unquote(_ raw: Substring) -> String {
            var value = ""
            var quote: Character?
            var escaped = false
            for character in raw {
                if escaped {
                    value.append(character)
                    escaped = false
                } else if let open = quote {
                    if character == open {
                        quote = nil
                    } else if character == "\\" && open == "\"" {
                        escaped = true
                    } else {
                        value.append(character)
                    }
                } else if character == "\"" || character == "'" {
                    quote = character
                } else if character == "\\" {
                    escaped = true
                } else {
                    value.append(character)
                }
            }
            while let last = value.last, last == " " || last == "\t" || last == "\r" { value.removeLast() }
            return value
        }

        /// The largest os-release file read: 64 KiB (real ones are a few hundred bytes).
        static let maximumFileSize: UInt64 = 64 << 10

        /// Reads the os-release file of `image`; nil when it has none (or one larger than 64 KiB).
        init?(of image: SquashFSImage) throws(ImageContentsError) {
            for path in [ImagePath("/etc/os-release"), ImagePath("/usr/lib/os-release")] {
                // A path that does not resolve to a regular file (missing, a link loop) is no os-release file.
                let reader: FileReader
                do {
                    reader = try image.fileReader(at: path)
                } catch {
                    if [.notFound, .notADirectory, .notAFile, .tooManySymlinks, .limitExceeded].contains(error.code) {
                        continue
                    }
                    throw ImageContentsError(reading: path, in: image, error)
                }
                guard reader.size <= Self.maximumFileSize else { continue }
                let bytes: [UInt8]
                do {
                    bytes = try reader.readAll(maximumSize: Self.maximumFileSize)
                } catch {
                    throw ImageContentsError(reading: path, in: image, error)
                }
                self.init(osReleaseText: String(decoding: bytes, as: UTF8.self))
                return
            }
            return nil
        }
    }
}
