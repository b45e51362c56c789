package import SimpleStreams
package import Testing

/// Runs `body` and returns the ``SimpleStreamsError`` it threw, or records an issue and returns `nil`.
package func simpleStreamsError<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T)
    -> SimpleStreamsError?
{
    do {
        let value = try body()
        Issue.record("expected a SimpleStreamsError, got \(value)", sourceLocation: sourceLocation)
    } catch let error as SimpleStreamsError {
        return error
    } catch {
        Issue.record("expected a SimpleStreamsError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Runs `body` and returns the ``SimpleStreamsError`` it threw, or records an issue and returns `nil`.
package func simpleStreamsError<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T)
    async
    -> SimpleStreamsError?
{
    do {
        let value = try await body()
        Issue.record("expected a SimpleStreamsError, got \(value)", sourceLocation: sourceLocation)
    } catch let error as SimpleStreamsError {
        return error
    } catch {
        Issue.record("expected a SimpleStreamsError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
