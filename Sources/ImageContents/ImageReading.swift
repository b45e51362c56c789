import SquashFS

extension ImageContentsError {
    /// Wraps a failure of the squashfs reader while reading `path` in `image`: a cancellation stays a cancellation,
    /// everything else is ``Code/image`` with the `SquashFSError` as the underlying error.
    init(reading path: ImagePath, in image: SquashFSImage, _ error: any Error) {
        if let error = error as? SquashFSError, error.code == .cancelled {
            self.init(.cancelled, "\(image.name): reading \(path) was cancelled", underlyingError: error)
        } else {
            self.init(.image, "\(image.name): \(path) cannot be read", underlyingError: error)
        }
    }

    /// The error for a task cancelled while `path` in `image` was being read.
    static func cancelled(reading path: ImagePath, in image: SquashFSImage) -> ImageContentsError {
        ImageContentsError(.cancelled, "\(image.name): reading \(path) was cancelled")
    }
}

extension SquashFSImage {
    /// Opens the regular file at `path` for reading; nil when the image has nothing there, or when something on the
    /// way is not a directory (and, with `nilUnlessFile`, when the path is not a regular file).
    func fileReaderIfPresent(at path: ImagePath, nilUnlessFile: Bool = false) throws(ImageContentsError) -> FileReader?
    {
        do {
            return try fileReader(at: path)
        } catch
            where error.code == .notFound || error.code == .notADirectory || (nilUnlessFile && error.code == .notAFile)
        {
            return nil
        } catch {
            throw ImageContentsError(reading: path, in: self, error)
        }
    }

    /// Reads the regular file of `reader` chunk by chunk and passes its lines to `body` (see ``LineScanner``): the
    /// memory used is one chunk and one line, whatever the file holds. Task cancellation is checked between chunks.
    func forEachLine(
        of reader: FileReader, at path: ImagePath, maximumLineLength: Int,
        _ body: (_ line: ArraySlice<UInt8>, _ number: Int, _ truncated: Bool) throws(ImageContentsError) -> Void
    ) throws(ImageContentsError) {
        // Whole blocks (1 MiB is a multiple of every block size) are decoded at a time.
        let chunkSize = UInt64(max(1 << 20, Int(superblock.blockSize)))
        var scanner = LineScanner(maximumLineLength: maximumLineLength)
        var offset: UInt64 = 0
        while offset < reader.size {
            if Task.isCancelled { throw .cancelled(reading: path, in: self) }
            let chunk: [UInt8]
            do {
                chunk = try reader.read(at: offset, count: Int(min(chunkSize, reader.size - offset)))
            } catch {
                throw ImageContentsError(reading: path, in: self, error)
            }
            guard !chunk.isEmpty else { break }
            try scanner.feed(chunk[...], body)
            offset += UInt64(chunk.count)
        }
        try scanner.finish(body)
    }
}
