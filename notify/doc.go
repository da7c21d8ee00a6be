// Package notify sends Circly's push notifications through Expo (API.md §7)
// from an outbox kept in the "notifications" collection, and runs the
// scheduler that drives it.
//
// # Kinds and recipients
//
//   - poll_started: active members of the poll's circle except its creator;
//     recipients are chosen when the poll is created.
//   - reminder_1h, reminder_10m: active members who have not voted, chosen
//     when the moment (deadline - 1 h, deadline - 10 min) comes, so that
//     whoever voted in between is left out. A reminder whose moment had
//     already passed when the poll was created is skipped; so is one that
//     comes due after the poll closed, and a 1-hour reminder that comes due
//     when the 10-minute one is due as well.
//   - results: every active member, once the poll has closed. A poll that
//     closed below the results threshold (Polls.CountsRevealed) says
//     that there were too few votes to show results; the push's data
//     carries revealed (true or false).
//   - picked: once a poll has closed with its counts revealed, each active
//     member whose option got at least one published vote ("someone picked
//     you", without the count). Below the threshold the row is skipped.
//
// A member who muted the circle (members.muted), has no push token or a
// disabled account, or shares a device token with a recipient already
// listed, is recorded as skipped with the reason, not failed. Recipients,
// and their mute switches, are read when the row's moment comes.
//
// # Copy
//
// Title and body come from push_copy (API.md §12), one row per kind of copy
// and locale, edited by operators, with placeholders over the push's
// Payload; the shipped copy (seed.PushCopy) stands in for a missing row or
// one whose placeholder does not resolve, and the outbox row's note names
// that placeholder. The copy of every locale is rendered and stored on the
// row when its recipients are chosen, and each delivery keeps its
// recipient's users.locale, so a resend is the same text (see copy.go).
//
// # The outbox
//
// There is one row per (poll, kind); a unique index makes creating it
// idempotent. The poll create hook creates the five rows right after the
// poll is committed, and every dispatcher run creates those still missing
// for open polls, so a crash between the poll's commit and the hook loses
// nothing. A row moves through these states:
//
//	scheduled ──(moment comes: recipients chosen)──▶ pending
//	scheduled ──(moment past at creation / poll closed first)──▶ skipped
//	pending ──(every recipient has a send outcome)──▶ sent
//	sent ──(receipts settled, or given up after ReceiptTimeout)──▶ done
//	sent ──(an error receipt asks for a later retry)──▶ pending
//
// A row is created "pending" straight away when its recipients are known
// (poll_started), and "skipped" when it has no recipient to send to. Each
// row's "deliveries" holds one entry per recipient:
//
//	pending ──(claimed, attempt n)──▶ sending ──(ok ticket)──▶ sent
//	sending ──(error ticket / failed request)──▶ failed | pending (retry later)
//	sending ──(found at the start of a run)──▶ sending again, attempt n+1
//	sent ──(error receipt)──▶ failed | pending (retry later)
//	pending ──(poll closed before it went out)──▶ skipped
//
// # Why a crash loses nothing and duplicates nothing
//
// A run claims a batch of deliveries by committing state "sending" (and the
// attempt number) before it calls Expo, holds no transaction during the HTTP
// request (SQLite has a single writer), and commits each batch's tickets and
// errors in one transaction afterwards. Whatever instant the process dies
// (kill -9 included):
//
//   - before the claim commits: the deliveries are still "pending" and go out
//     on the next run, once;
//   - after a delivery's outcome was committed: it is "sent" (or final) and
//     is never claimed again, so no second copy;
//   - in between (the request may or may not have left, Expo may or may not
//     have accepted it): the delivery is still "sending". This is the one
//     ambiguous case, the same as a timeout or a 5xx after Expo accepted a
//     batch. It is resolved towards delivery: the next run sends it again,
//     a bounded number of times (Settings.MaxAttempts).
//
// Every message of a (poll, kind) carries the same collapse key,
// "circly:<poll>:<kind>", as collapseId (iOS), tag (Android) and threadId, so
// the rare second copy from the ambiguous case replaces the first on the
// device instead of showing twice. Errors that mean Expo did not take the
// message (429, error tickets and receipts such as MessageRateExceeded) are
// retried later with growing waits; permanent ones are recorded as failed
// with their error. DeviceNotRegistered, in a ticket or a receipt, clears the
// user's push_token if it still holds the token that failed.
//
// # Runs
//
// [Notifier.RunOnce] is one dispatcher run: create missing rows, close
// overdue polls, choose the recipients of rows whose moment has come, send
// pending deliveries in batches, fetch receipts of tickets older than
// Settings.ReceiptDelay, and prune finished rows of polls closed longer than
// Settings.Retention ago. Runs never overlap. The [Scheduler] (robfig/cron)
// calls it every Settings.Interval while the server runs.
package notify
