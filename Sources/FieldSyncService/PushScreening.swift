import FieldSyncCore
import Logging

/// A push's changes split into those the service takes and those it refuses,
/// each with its own reason, before any store is asked: the replica must be
/// the pusher's, the clock within bounds, the values valid for the schema.
package struct PushScreening {
    /// Sorted by record, one change per field (the one a merge would keep).
    package private(set) var accepted: [FieldChange] = []
    package private(set) var rejected: [ChangeRejection] = []

    package init(
        _ changeSet: ChangeSet, from caller: SyncCaller, schema: Schema, now: UInt64, maxClockAheadMillis: UInt64
    ) throws {
        guard changeSet.schemaVersion == schema.version else {
            throw ServiceError(
                .schemaVersion,
                "the push is for schema version \(changeSet.schemaVersion); this service speaks version \(schema.version): update the client"
            )
        }
        var seen: [FieldRef: Int] = [:]
        let limit = now + maxClockAheadMillis
        for change in changeSet.changes {
            func reject(_ code: ErrorCode, _ message: String) {
                rejected.append(
                    ChangeRejection(field: change.field, version: change.version, code: code, message: message))
            }
            guard change.version.replica == caller.replica else {
                reject(
                    .wrongReplica,
                    "the change was stamped by replica \(change.version.replica), not by the pushing replica \(caller.replica): a replica pushes only its own edits"
                )
                continue
            }
            if change.version.timestamp.millis > limit {
                let ahead = (change.version.timestamp.millis - now) / 1000
                reject(
                    .clockSkew,
                    "the change is stamped \(ahead) s ahead of the service's clock (the bound is \(maxClockAheadMillis / 1000) s): re-stamp it against the service's time and push again"
                )
                continue
            }
            do {
                let table = try schema.table(change.table)
                guard RowID.isValid(change.rowID) else {
                    throw SchemaViolation(
                        .badID, field: table.name, "a \(table.name) record id must be a lower-case UUID")
                }
                let value = try table.validate(change.value, for: change.column)
                var normalized = change
                normalized.value = value
                if let earlier = seen[change.field] {
                    // One field twice in a push: keep what a merge would keep.
                    if accepted[earlier].version == change.version, accepted[earlier].value != value {
                        reject(
                            .malformed,
                            "the push holds two values for \(change.table).\(change.column) of record \(change.rowID) under one version"
                        )
                    } else if MergeRule.incoming(change.version, wins: accepted[earlier].version) {
                        accepted[earlier] = normalized
                    }
                    continue
                }
                seen[change.field] = accepted.count
                accepted.append(normalized)
            } catch let error as any FieldSyncError {
                reject(error.code, error.message)
            } catch {
                // Only the type: another library's text may quote the value, and this message is logged and sent back.
                reject(.internal, "checking the change failed (\(String(reflecting: type(of: error))))")
            }
        }
        // Rows grouped, so a merge takes each record in one statement.
        accepted.sort { ($0.table, $0.rowID) < ($1.table, $1.rowID) }
    }

    /// Rejections that fail the whole push (`invalid_changes`): anything but a policy refusal.
    package var invalid: [ChangeRejection]? {
        let invalid = rejected.filter { !ChangeRejection.policyCodes.contains($0.code) }
        return invalid.isEmpty ? nil : invalid
    }

    /// Logs how many of the push's changes were turned away (counts only: no
    /// field or value), with those the store refused by policy (`refused`).
    package func logRejections(refused: [ChangeRejection], from caller: SyncCaller, logger: Logger) {
        let rejected = rejected.count + refused.count
        guard rejected > 0 else { return }
        logger.info(
            "push rejected changes",
            metadata: ["replica": "\(caller.replica)", "rejected": "\(rejected)", "forbidden": "\(refused.count)"])
    }
}
