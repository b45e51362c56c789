import BootAssets
import Foundation
import SimpleStreams
import TestSupport
import Testing

/// The checked-in fixtures (Fixtures/).
enum Fixture {
    /// The path of a fixture file.
    static func path(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil))
        return url.path
    }

    /// The bytes of a fixture file.
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: try path(name))))
    }

    /// A fixture parsed as a products document.
    static func products(_ name: String) throws -> ProductsDocument {
        try ProductsDocument(parsing: try bytes(name))
    }

    /// The three real MAAS products documents (trimmed copies of images.maas.io, canonical/maas test data).
    static let maasProducts = [
        "maas/simplestreams_ubuntu.json", "maas/simplestreams_centos.json", "maas/simplestreams_bootloaders.json",
    ]
}

/// Runs `body` and returns the ``BootAssetsError`` it threw, or records an issue and returns `nil`.
func bootAssetsError<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T)
    -> BootAssetsError?
{
    do {
        let value = try body()
        Issue.record("expected a BootAssetsError, got \(value)", sourceLocation: sourceLocation)
    } catch let error as BootAssetsError {
        return error
    } catch {
        Issue.record("expected a BootAssetsError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Runs `body` and returns the ``BootAssetsError`` it threw, or records an issue and returns `nil`.
func bootAssetsError<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T) async
    -> BootAssetsError?
{
    do {
        let value = try await body()
        Issue.record("expected a BootAssetsError, got \(value)", sourceLocation: sourceLocation)
    } catch let error as BootAssetsError {
        return error
    } catch {
        Issue.record("expected a BootAssetsError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
