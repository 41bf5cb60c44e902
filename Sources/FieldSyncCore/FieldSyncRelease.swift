/// This release of FieldSync, as `--version` prints it and the service logs
/// it as it starts (so an operator knows which release wrote a log). The
/// wire protocol (v1) and the schema (`Schema.version`) have versions of
/// their own, which say what can sync with what.
public enum FieldSyncRelease {
    public static let version = "0.9.0"
}
