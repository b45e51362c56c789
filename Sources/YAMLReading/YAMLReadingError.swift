/// The error ``YAMLReader`` throws; each module that reads YAML wraps it into its own error, keeping the code's
/// meaning and the message.
///
/// The ``message`` names the document (`source`), the line and the key path, for example
/// `curtin.cfg: line 12: network.config[0].mtu: '9x' is not a whole number from 0 to 65535`.
package struct YAMLReadingError: Error, Sendable, CustomStringConvertible {
    /// A category of failure; new codes may be added.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case malformed, invalidValue, limitExceeded
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The text is not YAML, or a value has the wrong shape (a list where a mapping belongs, a complex key).
        package static let malformed = Code(.malformed)
        /// A scalar cannot be used: not a number in range, not a boolean, a control character.
        package static let invalidValue = Code(.invalidValue)
        /// The document is larger than accepted (a list's items, a string's bytes, nodes visited through aliases).
        package static let limitExceeded = Code(.limitExceeded)

        package var description: String {
            switch value {
            case .malformed: "malformed"
            case .invalidValue: "invalid-value"
            case .limitExceeded: "limit-exceeded"
            }
        }
    }

    /// What kind of failure this is.
    package var code: Code
    /// A sentence naming the document, the line and the key path.
    package var message: String
    /// The YAML parser's error, if any.
    package var underlyingError: (any Error & Sendable)?

    /// Creates an error.
    package init(_ code: Code, _ message: String, underlyingError: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlyingError = underlyingError
    }

    package var description: String { message }
}
