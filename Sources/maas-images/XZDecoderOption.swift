import ArgumentParser
import SquashFS

extension SquashFSCommand {
    /// `--xz-decoder`: which implementation decodes the blocks of xz and lzma images, for every `squashfs` command
    /// that opens an image.
    struct XZDecoderOption: ParsableArguments {
        @Option(
            help: ArgumentHelp(
                """
                The decoder of xz and lzma images: native (the Swift one), liblzma, or automatic (native unless \
                liblzma is 5.6.0 or newer).
                """,
                valueName: "decoder"))
        var xzDecoder = EnumArgument<XZDecoder>(.automatic)

        /// `options` with the chosen decoder.
        func applied(to options: SquashFSImage.Options) -> SquashFSImage.Options {
            var options = options
            options.xzDecoder = xzDecoder.value
            return options
        }
    }
}

extension EnumArgument {
    /// The argument naming `value`.
    init(_ value: Value) { self.value = value }
}
