internal import Glibc
package import SystemPackage

extension FileDescriptor {
    /// Whether the descriptor is open on a terminal, so that output may redraw a line in place.
    ///
    /// The corresponding C function is `isatty`.
    package var isTerminal: Bool { isatty(rawValue) == 1 }
}
