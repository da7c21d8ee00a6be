package collections

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// MetricsTokensTable holds the current generation of metrics tokens: one
// row. A metrics token carries the generation it was issued under and is
// accepted only while that is still the current one, so raising it
// revokes every token issued before. Deliberately not a collection: no
// record API, realtime event or dashboard form can change it.
const MetricsTokensTable = "_circly_metrics_tokens"

// CreateMetricsTokensTable creates the table with generation 1.
func CreateMetricsTokensTable(app core.App) error {
	_, err := app.DB().NewQuery(`CREATE TABLE IF NOT EXISTS {{` + MetricsTokensTable + `}} (
		[[id]] INTEGER PRIMARY KEY CHECK ([[id]] = 1),
		[[generation]] INTEGER NOT NULL CHECK ([[generation]] > 0)
	)`).Execute()
	if err != nil {
		return err
	}
	_, err = app.DB().NewQuery(`INSERT OR IGNORE INTO {{` + MetricsTokensTable + `}} ([[id]], [[generation]]) VALUES (1, 1)`).Execute()
	return err
}

// DropMetricsTokensTable undoes CreateMetricsTokensTable.
func DropMetricsTokensTable(app core.App) error {
	_, err := app.DB().NewQuery(`DROP TABLE IF EXISTS {{` + MetricsTokensTable + `}}`).Execute()
	return err
}

// MetricsTokenGeneration returns the current generation of metrics tokens.
func MetricsTokenGeneration(app core.App) (int64, error) {
	var gen int64
	err := app.DB().Select("generation").From(MetricsTokensTable).Where(dbx.HashExp{"id": 1}).Row(&gen)
	return gen, err
}

// NextMetricsTokenGeneration raises the generation by one in a
// transaction and returns the new one: every token issued before stops
// working.
func NextMetricsTokenGeneration(app core.App) (int64, error) {
	var gen int64
	err := app.RunInTransaction(func(txApp core.App) error {
		_, err := txApp.DB().NewQuery(`UPDATE {{` + MetricsTokensTable + `}} SET [[generation]] = [[generation]] + 1 WHERE [[id]] = 1`).Execute()
		if err != nil {
			return err
		}
		gen, err = MetricsTokenGeneration(txApp)
		return err
	})
	return gen, err
}
