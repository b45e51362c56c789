// snippet.hide
import SimpleStreams

let root = CommandLine.arguments.dropFirst().first ?? "/srv/maas-mirror"
// snippet.show
// Every failure is a SimpleStreamsError: switch on its code; its message names the path, the offset or the filter.
do throws(SimpleStreamsError) {
    let source = try LocalStreamSource(root)
    let index = try IndexDocument(parsing: try await source.read("streams/v1/index.json", maximumSize: 64 << 20))
    for entry in index.entries { print(entry.contentID, entry.path ?? "-") }
} catch {
    switch error.code {
    case .notFound: print("no index.json under \(root)")
    case .malformedJSON, .invalidDocument: print("not a simplestreams index:", error.message)
    case .unsafePath: print("refused a path that could leave the mirror:", error.message)
    case .transport, .cancelled: print("the source failed or the task was cancelled:", error)
    default: print(error.code, error)
    }
}
