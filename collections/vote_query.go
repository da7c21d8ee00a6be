package collections

import (
	"database/sql"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// InsertVote writes one vote row with plain SQL: no hooks, no realtime
// event, no timestamp, a fresh id and a random rowid in the poll's range
// (see vote_place.go).
// A second vote with the same (poll, voter_hash) fails on the unique index
// and, as the statement is the only one, leaves nothing behind; the caller
// tells that error apart (a unique violation naming voter_hash).
func InsertVote(app core.App, pollId, optionId, voterHash, memberId string) error {
	return InsertVoteRow(app, pollId, VoteRow{
		Id:        PollLocalId(pollId),
		Option:    optionId,
		VoterHash: voterHash,
		Member:    memberId,
	})
}

// VoteRow is one stored vote of a poll, as PollVoteRows reads it.
type VoteRow struct {
	Id        string `db:"id"`
	Option    string `db:"option"`
	VoterHash string `db:"voter_hash"`
	Member    string `db:"member"` // "" for anonymous polls
}

// InsertVoteRow writes a vote row as given, with a random rowid and plain
// SQL (no hooks, no realtime event, no timestamp). Re-inserting a poll's
// rows this way (PollVoteRows, DeletePollVotes, then InsertVoteRow in a
// shuffled order) keeps their content and forgets the order and the places
// in which they were first written.
func InsertVoteRow(app core.App, pollId string, row VoteRow) error {
	return WithPollRowid(pollId, func(rowid int64) error {
		_, err := insertVoteQuery.exec(app, sql.Named("rowid", rowid), sql.Named("id", row.Id), sql.Named("poll", pollId),
			sql.Named("option", row.Option), sql.Named("voter_hash", row.VoterHash), sql.Named("member", row.Member))
		return err
	})
}

var insertVoteQuery = preparedQuery{name: "insertVote", sql: `INSERT INTO votes (rowid, id, poll, "option", voter_hash, member)
	VALUES (:rowid, :id, :poll, :option, :voter_hash, :member)`}

// PollVoteRows returns every vote row of a poll, in storage order.
func PollVoteRows(app core.App, pollId string) ([]VoteRow, error) {
	var rows []VoteRow
	err := app.DB().Select("id", "option", "voter_hash", "member").From(Votes).
		Where(dbx.HashExp{"poll": pollId}).All(&rows)
	return rows, err
}

// PollVoteOptions returns the chosen option of every vote of a poll, one
// entry per vote, in storage order (which a reshuffle makes meaningless).
func PollVoteOptions(app core.App, pollId string) ([]string, error) {
	var options []string
	err := app.DB().Select("option").From(Votes).
		Where(dbx.HashExp{"poll": pollId}).Column(&options)
	return options, err
}

// DeletePollVotes deletes every vote row of a poll with plain SQL.
func DeletePollVotes(app core.App, pollId string) error {
	_, err := app.DB().Delete(Votes, dbx.HashExp{"poll": pollId}).Execute()
	return err
}

// InsertScrubbedVote writes a vote for optionId that says nothing about its
// voter: a random voter_hash, no member, a fresh id and a random rowid.
// Closing an anonymous poll re-inserts its votes this way, in an order the
// caller shuffles.
func InsertScrubbedVote(app core.App, pollId, optionId string) error {
	return WithPollRowid(pollId, func(rowid int64) error {
		_, err := app.DB().NewQuery(
			"INSERT INTO {{votes}} ([[rowid]], [[id]], [[poll]], [[option]], [[voter_hash]], [[member]]) " +
				"VALUES ({:rowid}, {:id}, {:poll}, {:option}, lower(hex(randomblob(32))), '')").
			Bind(dbx.Params{"rowid": rowid, "id": PollLocalId(pollId), "poll": pollId, "option": optionId}).Execute()
		return err
	})
}

// VotersByOption lists, per option id, the nicknames of the members who
// voted for it, by nickname (HiddenMemberNickname for a hidden member). Only votes that name a membership count (those
// of non-anonymous polls).
func VotersByOption(app core.App, pollId string) (map[string][]string, error) {
	var rows []struct {
		Option   string `db:"option"`
		Nickname string `db:"nickname"`
	}
	err := app.DB().NewQuery(`SELECT v.[[option]] AS [[option]],
			CASE WHEN m.[[hidden]] THEN {:hiddenMember} ELSE m.[[nickname]] END AS [[nickname]]
		FROM {{votes}} v JOIN {{members}} m ON m.[[id]] = v.[[member]]
		WHERE v.[[poll]] = {:poll} ORDER BY [[nickname]]`).
		Bind(dbx.Params{"poll": pollId, "hiddenMember": HiddenMemberNickname}).All(&rows)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.Option] = append(out[r.Option], r.Nickname)
	}
	return out, nil
}

// VoteCheck is everything the checks of a vote need, read in one query.
// The Null fields are invalid when there is no such row: no active
// membership of the user (Member), no such option (OptionPoll,
// OptionMember), or an option whose member row has no user (OptionUser).
type VoteCheck struct {
	Circle       string         `db:"circle"`
	Status       string         `db:"status"`
	Deadline     types.DateTime `db:"deadline"`
	IsAnonymous  bool           `db:"is_anonymous"`
	Elector      bool           `db:"elector"` // the user is in the poll's electorate
	Member       sql.NullString `db:"member"`  // the user's active membership in the poll's circle
	OptionPoll   sql.NullString `db:"option_poll"`
	OptionMember sql.NullString `db:"option_member"`
	OptionUser   sql.NullString `db:"option_user"`
}

// voteCheckQuery reads, for a poll, a user and an option, everything the
// vote checks need; no row means no such poll. The columns are VoteCheck's,
// in its order.
var voteCheckQuery = preparedQuery{name: "voteCheck", sql: `SELECT p.circle, p.status, p.deadline, p.is_anonymous,
	EXISTS (SELECT 1 FROM electors el WHERE el.poll = p.id AND el.user = :user) AS elector,
	(SELECT m.id FROM members m
		WHERE m.circle = p.circle AND m.user = :user AND m.is_active = TRUE LIMIT 1) AS member,
	o.poll AS option_poll, o.member AS option_member, om.user AS option_user
	FROM polls p LEFT JOIN options o ON o.id = :option
	LEFT JOIN members om ON om.id = o.member
	WHERE p.id = :poll LIMIT 1`}

// LoadVoteCheck reads what the checks of a vote by userId for optionId in
// pollId need, in one query: in the ballot box's transaction, on the write
// connection (where it is one of the prepared ballot statements), or on
// the concurrent read connections when app is not a transaction. It
// returns nil when the poll does not exist; deciding what the facts allow
// is the caller's.
func LoadVoteCheck(app core.App, pollId, userId, optionId string) (*VoteCheck, error) {
	var c VoteCheck
	rows, err := voteCheckQuery.query(app, sql.Named("poll", pollId), sql.Named("user", userId), sql.Named("option", optionId))
	ok, err := scanOne(rows, err, &c.Circle, &c.Status, &c.Deadline, &c.IsAnonymous, &c.Elector, &c.Member, &c.OptionPoll, &c.OptionMember, &c.OptionUser)
	if !ok || err != nil {
		return nil, err
	}
	return &c, nil
}
