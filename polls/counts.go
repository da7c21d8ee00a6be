package polls

import (
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// countVote adds one vote to an option's hidden tally and to the poll's
// total, and publishes the per-option counts in steps (API.md §6): with k =
// ResultsMinVotes, every option's vote_count takes its tally when the total
// first reaches k and then each time k more votes have come in (totals k,
// 2k, 3k, …), so no member watching the counts can pin a single vote to its
// option; ClosePoll publishes the final counts. It returns the poll's new
// total and the options whose published count changed, with that count.
// Plain SQL throughout: the tally changes without
// an event or a timestamp. Two statements per vote: the poll's total first,
// then one update of the options that also publishes when due (see
// collections.AddTallyAndPublish).
func (s *Service) countVote(txApp core.App, pollId, optionId string) (total int, published []collections.OptionCount, err error) {
	total, err = collections.IncrementTotalVotes(txApp, pollId)
	if err != nil {
		return 0, nil, err
	}
	if !isCountStep(total, s.Config.ResultsMinVotes) {
		return total, nil, collections.AddTally(txApp, optionId)
	}
	// this option's tally, and every option's published count
	published, err = collections.AddTallyAndPublish(txApp, pollId, optionId)
	return total, published, err
}

// CountsRevealed reports whether a poll's per-option counts are shown: it
// has at least ResultsMinVotes votes (API.md §6). Results, the close and
// the push dispatcher (through notify.Polls) all ask here.
func (s *Service) CountsRevealed(poll *collections.Poll) bool {
	return poll.TotalVotes() >= s.Config.ResultsMinVotes
}

// isCountStep reports whether a poll whose total just became total publishes
// its per-option counts: at k, 2k, 3k, … (k < 1 counts as 1).
func isCountStep(total, k int) bool {
	if k < 1 {
		k = 1
	}
	return total >= k && total%k == 0
}
