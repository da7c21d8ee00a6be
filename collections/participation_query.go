package collections

import (
	"database/sql"
	"maps"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// ParticipationTable records who took part in a poll, never what they
// chose: keyed hashes of (poll, user), kept after close so results can say
// "voted" and reminders skip voters. Not a collection (see the first
// migration); WITHOUT ROWID, so rows sit in hash order.
const ParticipationTable = "_circly_participation"

// Columns of ParticipationTable.
const (
	FieldParticipationPoll  = "poll"
	FieldParticipationVoter = "voter"
)

// InsertParticipation records that the voter (a participation hash) took
// part in the poll.
func InsertParticipation(app core.App, pollId, voter string) error {
	_, err := insertParticipationQuery.exec(app, sql.Named("poll", pollId), sql.Named("voter", voter))
	return err
}

var insertParticipationQuery = preparedQuery{name: "insertParticipation",
	sql: "INSERT INTO " + ParticipationTable + " (poll, voter) VALUES (:poll, :voter)"}

// HasParticipation reports whether the voter (a participation hash) took
// part in the poll.
func HasParticipation(app core.App, pollId, voter string) (bool, error) {
	var n int
	err := app.DB().Select("count(*)").From(ParticipationTable).
		Where(dbx.HashExp{"poll": pollId, "voter": voter}).Row(&n)
	return n > 0, err
}

// ParticipationVoters returns the participation hashes of a poll.
func ParticipationVoters(app core.App, pollId string) ([]string, error) {
	var voters []string
	err := app.DB().Select("voter").From(ParticipationTable).
		Where(dbx.HashExp{"poll": pollId}).Column(&voters)
	return voters, err
}

// DeleteParticipation deletes a poll's participation records (to re-insert
// them in another order).
func DeleteParticipation(app core.App, pollId string) error {
	_, err := app.DB().Delete(ParticipationTable, dbx.HashExp{"poll": pollId}).Execute()
	return err
}

// Participated reports, for each poll of voters (poll id → the
// participation hash of one user in it), whether that hash took part in
// that poll, in one query: the polls of a feed page for its reader.
func Participated(app core.App, voters map[string]string) (map[string]bool, error) {
	out := make(map[string]bool, len(voters))
	if len(voters) == 0 {
		return out, nil
	}
	polls := make([]string, 0, len(voters))
	hashes := make([]string, 0, len(voters))
	for poll, voter := range voters {
		polls = append(polls, poll)
		hashes = append(hashes, voter)
	}
	pollIn, params := inList("poll", polls)
	voterIn, voterParams := inList("voter", hashes)
	maps.Copy(params, voterParams)
	var rows []struct {
		Poll  string `db:"poll"`
		Voter string `db:"voter"`
	}
	err := app.DB().NewQuery("SELECT [[poll]], [[voter]] FROM {{" + ParticipationTable + "}} WHERE [[poll]] IN (" + pollIn + ") AND [[voter]] IN (" + voterIn + ")").
		Bind(params).All(&rows)
	for _, r := range rows {
		// a pair of the lists that is not a pair of the map is another
		// (poll, user)'s row: not this user's participation
		if voters[r.Poll] == r.Voter {
			out[r.Poll] = true
		}
	}
	return out, err
}
