import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to the loopback server, for what an HTTP client would not do: stay silent,
/// or hang up halfway through a request.
/// Blocking calls stay off Swift's cooperative threads: the server under
/// test runs in this process, on those threads, and must keep answering.
final class RawConnection: @unchecked Sendable {
    private let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) }
    }

    /// Bytes received, 0 when the peer closed, -1 on timeout or error.
    func receive() async -> Int {
        let socket = socket
        return await withCheckedContinuation { done in
            Thread {
                var buffer = [UInt8](repeating: 0, count: 4096)
                done.resume(returning: buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) })
            }.start()
        }
    }

    func close() { Glibc.close(socket) }
}
