import FieldSyncClient
import FieldSyncCore
import Foundation

/// How push, pull and sync report: a summary line and notes for people, one
/// JSON object for scripts.
enum SyncReport {
    static func json(_ push: PushSummary) -> [String: Any] {
        [
            "sent": push.sent, "accepted": push.accepted, "rejected": push.rejected, "restamped": push.restamped,
            "clock_ahead_ms": push.clockAheadMillis, "conflicts_recorded": push.conflictsRecorded,
            "still_ahead": push.stillAhead, "removed_records": push.removedRecords,
        ]
    }

    static func json(_ pull: PullSummary) -> [String: Any] {
        [
            "rows": pull.rows, "fields": pull.fields, "changed_fields": pull.changedFields, "pages": pull.pages,
            "clock_ahead_ms": pull.clockAheadMillis, "removed_customers": pull.removedCustomers,
            "removed_records": pull.removedRecords, "pushed_first": json(pull.pushedFirst),
            "resent_own_edits": pull.resentOwnEdits, "resend": json(pull.resend),
        ]
    }

    static func json(_ sync: SyncSummary) -> [String: Any] {
        [
            "push": json(sync.push), "pull": json(sync.pull), "open_conflicts": Output.optional(sync.openConflicts),
            "count_failure": Output.optional(sync.countFailure),
            "synced_at": ISODate.dateTimeMillis(millisSinceEpoch: sync.completedAtMillis),
        ]
    }

    static func line(_ push: PushSummary) -> String {
        "Push: sent \(push.sent), accepted \(push.accepted), rejected \(push.rejected), conflicts \(push.conflictsRecorded)"
    }

    static func line(_ pull: PullSummary) -> String {
        "Pull: received \(pull.rows) rows (\(pull.fields) fields, \(pull.changedFields) changed here) in \(pull.pages) page(s)"
    }

    static func line(_ sync: SyncSummary) -> String {
        "Sync: sent \(sync.push.sent), accepted \(sync.push.accepted), rejected \(sync.push.rejected), "
            + "received \(sync.pull.rows) rows, conflicts \(sync.openConflicts.map(String.init) ?? "unknown")"
    }

    /// What the person should know or do after the summary line.
    static func notes(push: PushSummary?, pull: PullSummary?, openConflicts: Int? = nil, countFailure: String? = nil)
        -> [String]
    {
        var notes: [String] = []
        if let push, push.restamped > 0 || push.stillAhead > 0 {
            notes.append(
                "Your device clock is \(duration(push.clockAheadMillis)) ahead of the service: \(push.restamped) change(s) were re-stamped with the service's time. Please correct this device's date and time."
            )
        } else if let ahead = [push?.clockAheadMillis, pull?.clockAheadMillis].compactMap({ $0 }).max(), ahead > 0 {
            notes.append(
                "Your device clock is \(duration(ahead)) ahead of the service: new changes are stamped with the service's time. Please correct this device's date and time."
            )
        }
        if let push, push.stillAhead > 0 {
            notes.append(
                "\(push.stillAhead) change(s) are still stamped ahead of the service's clock and were not sent: correct this device's date and time, then sync again."
            )
        }
        if let push, push.rejected > 0 {
            notes.append(
                "\(push.rejected) change(s) were rejected and stay on this device: see `fieldsync rejected list`.")
        }
        let pushRemoved = (push?.removedRecords ?? 0) + (pull?.pushedFirst.removedRecords ?? 0)
        if pushRemoved > 0 {
            notes.append(
                "\(pushRemoved) visit(s), task(s) or holding(s) this device sent changes for are filed under another manager's customer now, and were removed from this device."
            )
        }
        if let pull, pull.removedCustomers > 0 {
            notes.append(
                "\(pull.removedCustomers) customer(s) were reassigned to another manager and removed from this device, with their visits, tasks and holdings."
            )
        }
        if let pull, pull.removedRecords > 0 {
            notes.append(
                "\(pull.removedRecords) visit(s), task(s) or holding(s) were moved to another manager's customer and removed from this device."
            )
        }
        if let pull, pull.resentOwnEdits > 0 {
            let resend = pull.resend
            notes.append(
                "The service no longer knew what this device had received (it was restored from a backup, or reset), and may have lost what it had taken from it: this device queued its own \(pull.resentOwnEdits) edit(s) again and sent them with any unsent change (\(resend.sent) sent, \(resend.rejected) rejected), then received everything again. Where someone else's edit stands, the service may show a conflict: see `fieldsync conflicts list`."
                    + (resend.rejected > 0 ? " Rejected edits stay on this device: see `fieldsync rejected list`." : ""))
        }
        if let first = pull?.pushedFirst, first.sent > 0 {
            notes.append(
                "Before removing them, this device sent its \(first.sent) unsent change(s): \(first.accepted) accepted, \(first.rejected) rejected"
                    + (first.rejected > 0 ? " (they stay on this device: see `fieldsync rejected list`)." : "."))
        }
        if let countFailure {
            notes.append(
                "Your changes were sent and everyone else's received, but counting the open conflicts failed (\(countFailure)): see `fieldsync conflicts list` later."
            )
        }
        if let openConflicts, openConflicts > 0 {
            notes.append("\(openConflicts) open conflict(s) involve you: see `fieldsync conflicts list`.")
        } else if openConflicts == nil, let push, push.conflictsRecorded > 0 {
            notes.append("This push recorded \(push.conflictsRecorded) conflict(s): see `fieldsync conflicts list`.")
        }
        return notes
    }

    /// "2 h 3 min", "7 min 30 s", "45 s": how far off a clock is, for people.
    static func duration(_ millis: UInt64) -> String {
        let seconds = millis / 1000
        let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60)
        func join(_ parts: [(UInt64, String)]) -> String {
            let shown = parts.filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
            return shown.isEmpty ? "\(parts[0].0) \(parts[0].1)" : shown.joined(separator: " ")
        }
        if days > 0 { return join([(days, "d"), (hours, "h")]) }
        if hours > 0 { return join([(hours, "h"), (minutes, "min")]) }
        if minutes > 0 { return join([(minutes, "min"), (seconds % 60, "s")]) }
        return seconds > 0 ? "\(seconds) s" : "\(millis) ms"
    }
}

/// "Receiving: 12000 rows, 12 pages" on standard error while a pull runs,
/// only when a person watches a terminal (never under --json or in a pipe).
final class PullProgressLine {
    let enabled: Bool
    private var shown = false

    init(json: Bool) {
        enabled = !json && isatty(STDERR_FILENO) == 1
    }

    func update(_ progress: PullProgress) {
        guard enabled else { return }
        shown = true
        write("\r\u{1B}[2KReceiving: \(progress.rows) rows, \(progress.pages) page(s)")
    }

    /// Clears the line, so the summary starts on a clean one.
    func finish() {
        guard shown else { return }
        shown = false
        write("\r\u{1B}[2K")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
