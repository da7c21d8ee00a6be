package collections_test

import (
	"database/sql"
	"errors"
	"testing"

	"circly/collections"
)

func TestUserRoundTrip(t *testing.T) {
	app := newTestApp(t)
	u := makeUser(t, app, "ExponentPushToken[abc]", true)
	u.SetDeviceSecretHash("hash")
	must(t, app.Save(u))

	got, err := collections.FindUser(app, u.Id)
	must(t, err)
	if got.DeviceId() != u.DeviceId() || got.DeviceSecretHash() != "hash" ||
		got.PushToken() != "ExponentPushToken[abc]" || !got.IsActive() {
		t.Fatalf("user read back as %v", got.FieldsData())
	}

	byDevice, err := collections.FindUserByDeviceId(app, u.DeviceId())
	must(t, err)
	if byDevice == nil || byDevice.Id != u.Id {
		t.Fatalf("FindUserByDeviceId = %v, want %s", byDevice, u.Id)
	}
	none, err := collections.FindUserByDeviceId(app, "unknown-device")
	if none != nil || err != nil {
		t.Fatalf("unknown device: %v, %v; want nil, nil", none, err)
	}
	if _, err := collections.FindUser(app, "missing"); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("FindUser(missing) error = %v, want sql.ErrNoRows", err)
	}
}

func TestAsNilStaysNil(t *testing.T) {
	if collections.AsUser(nil) != nil || collections.AsCircle(nil) != nil || collections.AsMember(nil) != nil ||
		collections.AsTemplate(nil) != nil || collections.AsPoll(nil) != nil || collections.AsOption(nil) != nil ||
		collections.AsVote(nil) != nil || collections.AsElector(nil) != nil || collections.AsNotification(nil) != nil {
		t.Fatal("wrapping nil must give nil")
	}
}

// A proxy holding a record of another collection must not be saved: it
// would write the wrong table through the right-looking type.
func TestPreValidateRefusesWrongCollection(t *testing.T) {
	app := newTestApp(t)
	u := makeUser(t, app, "", true)
	if err := app.Save(collections.AsPoll(u.Record)); err == nil {
		t.Fatal("saving a users record as a Poll succeeded")
	}
	if err := (&collections.Member{}).PreValidate(t.Context(), app); err == nil {
		t.Fatal("PreValidate of an empty proxy succeeded")
	}
	if err := u.PreValidate(t.Context(), app); err != nil {
		t.Fatalf("PreValidate of a users record: %v", err)
	}
}

func TestTemplateQueries(t *testing.T) {
	app := newTestApp(t)
	tp := makeTemplate(t, app)

	must(t, collections.IncrementUsageCount(app, tp.Id))
	must(t, collections.IncrementUsageCount(app, tp.Id))
	got, err := collections.FindTemplate(app, tp.Id)
	must(t, err)
	if got.UsageCount() != 2 || got.QuestionText() != tp.QuestionText() || got.Category() != "fun" ||
		!got.IsActive() || got.SeedKey() != tp.SeedKey() || got.Updated().String() != tp.Updated().String() || got.Created().String() != tp.Created().String() {
		t.Fatalf("template read back as %v", got.FieldsData())
	}

	for _, c := range []struct {
		seedKey, question string
		want              bool
	}{
		{tp.SeedKey(), "other question", true},
		{"other-key", tp.QuestionText(), true},
		{"other-key", "other question", false},
	} {
		exists, err := collections.TemplateExists(app, c.seedKey, c.question)
		must(t, err)
		if exists != c.want {
			t.Errorf("TemplateExists(%q, %q) = %v, want %v", c.seedKey, c.question, exists, c.want)
		}
	}
}
