// snippet.hide
import BootAssets

let path = CommandLine.arguments.dropFirst().first ?? "/bin/true"
// snippet.show
// Tell what a file is from its bytes (only its headers are read), and check a download against its stream type.
let found = try ContentIdentification(contentsOf: path)
print(found.kind, found.architecture ?? "-", found.summary)
for detail in found.details { print(" ", detail) }
do {
    _ = try ContentIdentification(contentsOf: path, expected: .bootKernel)
} catch {
    print(error.code, error.message)  // content-mismatch PATH: expected boot-kernel, found ...
}
