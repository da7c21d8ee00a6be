package collections

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
)

// Fields of the blocks collection (see NewBlocks).
const (
	FieldBlockBlocker       = "blocker"
	FieldBlockBlockedMember = "blocked_member"
	FieldBlockBlockedUser   = "blocked_user"
)

var (
	_ core.Model        = (*Block)(nil)
	_ core.PreValidator = (*Block)(nil)
	_ core.RecordProxy  = (*Block)(nil)
)

// Block is a typed record of the blocks collection: one user blocking the
// person behind one membership.
type Block struct {
	*core.Record
}

// AsBlock wraps a blocks record (nil stays nil). The record is shared, not
// copied: setters change it.
func AsBlock(r *core.Record) *Block {
	if r == nil {
		return nil
	}
	return &Block{Record: r}
}

// PreValidate implements core.PreValidator: it refuses to save a proxy that
// does not hold a blocks record.
func (b *Block) PreValidate(ctx context.Context, app core.App) error {
	return checkProxy(b.Record, Blocks)
}

// ProxyRecord returns the wrapped record.
func (b *Block) ProxyRecord() *core.Record { return b.Record }

// SetProxyRecord replaces the wrapped record.
func (b *Block) SetProxyRecord(r *core.Record) { b.Record = r }

// Blocker returns the users id of who blocks.
func (b *Block) Blocker() string { return b.GetString(FieldBlockBlocker) }

// SetBlocker sets the users id of who blocks.
func (b *Block) SetBlocker(userId string) { b.Set(FieldBlockBlocker, userId) }

// BlockedMember returns the members id the block names ("" once that row
// is gone).
func (b *Block) BlockedMember() string { return b.GetString(FieldBlockBlockedMember) }

// SetBlockedMember sets the members id the block names.
func (b *Block) SetBlockedMember(memberId string) { b.Set(FieldBlockBlockedMember, memberId) }

// BlockedUser returns the users id behind the blocked membership.
func (b *Block) BlockedUser() string { return b.GetString(FieldBlockBlockedUser) }

// SetBlockedUser sets the users id behind the blocked membership.
func (b *Block) SetBlockedUser(userId string) { b.Set(FieldBlockBlockedUser, userId) }
