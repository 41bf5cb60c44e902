import FieldSyncClient
import FieldSyncCore
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// What a manager reads when the secure connection cannot be set up: a
/// network that intercepts https (a hotel's sign-in page, a company proxy)
/// shows a certificate the device does not trust, and retrying from there
/// fails the same way.
@Suite("Secure connections that fail")
struct SecureConnectionTests {
    /// A self-signed certificate (for fieldsync-test.invalid, valid until 2126): trusted by nobody.
    static let certificate = """
        -----BEGIN CERTIFICATE-----
        MIIBvDCCAWKgAwIBAgIUO7FQ5tPmzNqAeTDMAqP0Nc4R0aEwCgYIKoZIzj0EAwIw
        ITEfMB0GA1UEAwwWZmllbGRzeW5jLXRlc3QuaW52YWxpZDAgFw0yNjEyMDcyMDQ0
        MThaGA8yMTI2MTExMzIwNDQxOFowITEfMB0GA1UEAwwWZmllbGRzeW5jLXRlc3Qu
        aW52YWxpZDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABHunCS5lnPOri75BUMVP
        sVW6uiU+J3daaXuZbH0T5tMH8P6JVQgPvQJOHaAAKqzQmuElm9KKRfFM+bHTPVJS
        I5ujdjB0MB0GA1UdDgQWBBQhVQQyL0nczOlJh8/9OPO9Xy7PTjAfBgNVHSMEGDAW
        gBQhVQQyL0nczOlJh8/9OPO9Xy7PTjAPBgNVHRMBAf8EBTADAQH/MCEGA1UdEQQa
        MBiCFmZpZWxkc3luYy10ZXN0LmludmFsaWQwCgYIKoZIzj0EAwIDSAAwRQIhAPsx
        zsTMBE+jn/iOYZxDgeoK9lJqpvWOEoXYb3qTSzd/AiAjTaVQSL7gpnVwJABqpJ0O
        3T1ibQmhoK2H2TM/ZfPs6A==
        -----END CERTIFICATE-----
        """
    static let privateKey = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgu6CrThOW1+6mLTkl
        UPH649K2Y92h8ua3S9OKl8pyXGmhRANCAAR7pwkuZZzzq4u+QVDFT7FVurolPid3
        Wml7mWx9E+bTB/D+iVUID70CTh2gACqs0JrhJZvSikXxTPmx0z1SUiOb
        -----END PRIVATE KEY-----
        """

    @Test("a certificate the device does not trust: unreachable, saying so, not 'try again when online'")
    func untrustedCertificate() async throws {
        let context = try NIOSSLContext(
            configuration: .makeServerConfiguration(
                certificateChain: [
                    .certificate(try NIOSSLCertificate(bytes: Array(Self.certificate.utf8), format: .pem))
                ],
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(Self.privateKey.utf8), format: .pem))))
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let url = "https://127.0.0.1:\(server.localAddress!.port!)"
        let transport = HTTPSyncTransport(serverURL: url, token: "fst_test", schemaVersion: 1)
        let failure = await #expect(throws: SyncError.self) { _ = try await transport.digest() }
        try? await transport.shutdown()
        try await server.close()
        #expect(failure?.code == .unreachable)
        #expect(failure?.message.hasPrefix("cannot reach the service at \(url) securely: ") == true, "\(failure!)")
        #expect(failure?.message.contains("certificate is not trusted") == true, "\(failure!)")
        #expect(failure?.message.contains("try again when online") == false)
    }
}
