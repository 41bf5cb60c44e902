import CompressNIO
import Foundation
import NIOCore

enum Gzip {
    static func compress(_ data: Data) throws -> Data {
        var buffer = ByteBuffer(data: data)
        return Data(buffer: try buffer.compress(with: .gzip()))
    }

    static func decompress(_ data: Data) throws -> Data {
        var buffer = ByteBuffer(data: data)
        return Data(buffer: try buffer.decompress(with: .gzip()))
    }
}
