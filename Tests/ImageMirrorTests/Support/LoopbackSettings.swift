import ImageMirror

extension HTTPSettings {
    /// Settings for a test against an in-process loopback server, when the test is not about time limits: no proxy,
    /// no minimum rate, no document deadline. The server and the client share the test process's threads with every
    /// other test running at once, so on a loaded machine a healthy loopback transfer can wait longer than a window
    /// without a byte; the time limits themselves are tested in `DeadlineTests`, with limits only a drip can trip.
    static func loopbackTests() -> HTTPSettings {
        var settings = HTTPSettings(proxies: ProxySettings())
        settings.speedLimit = 0
        settings.documentTimeout = nil
        return settings
    }
}
