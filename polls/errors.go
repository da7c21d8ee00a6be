package polls

import "errors"

// Errors of the rules in this package. hooks.go maps each to its answer
// (apiError); the comments name the status.
var (
	// ErrCircleRequired: a poll create without a circle (400).
	ErrCircleRequired = errors.New("circle required")
	// ErrTemplateRequired: a poll create without a template (400).
	ErrTemplateRequired = errors.New("template required")
	// ErrNotMember: the user starting a poll is not an active member of
	// its circle (403).
	ErrNotMember = errors.New("not a member of the circle")
	// ErrTemplateNotFound: the template does not exist or is no longer
	// offered (404).
	ErrTemplateNotFound = errors.New("template not found")
	// ErrDeadlineRequired: a poll create without a deadline (400).
	ErrDeadlineRequired = errors.New("deadline required")
	// ErrDeadlineOutOfRange: the deadline is not MinPollDuration to
	// MaxPollDuration ahead (400).
	ErrDeadlineOutOfRange = errors.New("deadline out of range")
	// ErrInvalidAnonymous: is_anonymous is neither a bool nor its text
	// form (400).
	ErrInvalidAnonymous = errors.New("is_anonymous must be true or false")
	// ErrNotEnoughMembers: the circle has fewer than MinPollOptions active
	// members besides the creator; nothing is created (400).
	ErrNotEnoughMembers = errors.New("not enough members for a poll")
	// ErrPollsPerDay: the user has started PollQuota.PerDay polls in the
	// circle in the last 24 hours (429).
	ErrPollsPerDay = errors.New("poll quota per day reached")
	// ErrOpenPollsMax: the circle has PollQuota.OpenMax open polls (409).
	ErrOpenPollsMax = errors.New("too many open polls in the circle")

	// ErrPollRequired: a vote without a poll (400).
	ErrPollRequired = errors.New("poll required")
	// ErrOptionRequired: a vote without an option (400).
	ErrOptionRequired = errors.New("option required")
	// ErrPollNotFound is returned for an unknown poll id (404 for votes
	// and results).
	ErrPollNotFound = errors.New("poll not found")
	// ErrNotInElectorate: the voter was not an active member of the circle
	// when the poll started (403).
	ErrNotInElectorate = errors.New("not in the poll's electorate")
	// ErrNoLongerMember: the voter is in the electorate but no longer an
	// active member of the circle (403).
	ErrNoLongerMember = errors.New("no longer a member of the circle")
	// ErrPollClosed: the poll is closed or past its deadline (400).
	ErrPollClosed = errors.New("poll closed")
	// ErrWrongOption: the option does not belong to the poll (400).
	ErrWrongOption = errors.New("option of another poll")
	// ErrSelfVote: the option names the voter (400).
	ErrSelfVote = errors.New("vote for oneself")
	// ErrAlreadyVoted: the user has voted in the poll before (400).
	ErrAlreadyVoted = errors.New("already voted")
	// ErrShuttingDown: the ballot box stopped before the vote was written
	// (500).
	ErrShuttingDown = errors.New("the server is shutting down")

	// ErrResultsNotReader: the user asking for results may not read the
	// poll: neither an active member of its circle nor in its electorate
	// (404, alike with an unknown poll: it cannot see the poll).
	ErrResultsNotReader = errors.New("not a reader of the poll")
)
