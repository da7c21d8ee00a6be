package collections

import (
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
	_, err := app.DB().Insert(ParticipationTable, dbx.Params{"poll": pollId, "voter": voter}).Execute()
	return err
}

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
