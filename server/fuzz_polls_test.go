package server_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func FuzzPollCreateBody(f *testing.F) {
	for _, seed := range []string{
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE"}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE","is_anonymous":false}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE","is_anonymous":"maybe"}`,
		`{"circle":"$OTHER_CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE"}`,
		`{"circle":"$POLL","template":"$TEMPLATE","deadline":"$DEADLINE"}`,
		`{"circle":"$CIRCLE","template":"$CIRCLE","deadline":"$DEADLINE"}`,
		`{"circle":"$USER","template":"$MEMBER","deadline":"$DEADLINE"}`,
		`{"circle":["$CIRCLE","$OTHER_CIRCLE"],"template":"$TEMPLATE","deadline":"$DEADLINE"}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"9999-12-31 23:59:59.999Z"}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"0001-01-01 00:00:00.000Z"}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"tomorrow"}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":-1}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":1e308}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":9223372036854775807}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":{"a":1}}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE","status":"closed"}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE","total_votes":1000}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE","circle+":"$OTHER_CIRCLE"}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE","deadline-":"x"}`,
		`{"circle":"../$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE"}`,
		`{"circle":"` + strings.Repeat("c", 10240) + `","template":"$TEMPLATE","deadline":"$DEADLINE"}`,
		`{"circle":"","template":"","deadline":""}`,
		`{}`, `[]`, `null`, ``,
	} {
		f.Add(byte(0), byte(0), []byte(seed))
	}
	f.Add(byte(0), byte(4), []byte(`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE"}`)) // a stranger
	f.Add(byte(2), byte(1), []byte(`circle=$CIRCLE&template=$TEMPLATE&deadline=$DEADLINE`))
	f.Add(byte(3), byte(1), []byte("--xYzZY\r\nContent-Disposition: form-data; name=\"circle\"\r\n\r\n$CIRCLE\r\n--xYzZY\r\nContent-Disposition: form-data; name=\"deadline\"; filename=\"d.txt\"\r\n\r\nnot a file field\r\n--xYzZY--\r\n"))
	f.Add(byte(5), byte(1), []byte(`<p><circle>$CIRCLE</circle></p>`))

	w := newWorld(f, false)
	f.Fuzz(func(t *testing.T, ct, who byte, body []byte) {
		rec := send(w.h, "POST", "/api/collections/polls/records", w.caller(who), contentType(ct), []byte(w.expand(string(body))))
		checkAnswer(t, "poll create", rec)
	})
}

func FuzzVoteBody(f *testing.F) {
	for _, seed := range []string{
		`{"poll":"$POLL","option":"$OPTION_A"}`,
		`{"poll":"$POLL","option":"$OPTION_B"}`,
		`{"poll":"$POLL","option":"$FOREIGN_OPTION"}`,
		`{"poll":"$OTHER_POLL","option":"$OPTION_A"}`,
		`{"poll":"$CIRCLE","option":"$OPTION_A"}`,
		`{"poll":"$POLL","option":"$MEMBER"}`,
		`{"poll":"$USER","option":"$USER"}`,
		`{"poll":["$POLL","$OTHER_POLL"],"option":["$OPTION_A","$OPTION_B"]}`,
		`{"poll":"$POLL","option":"$OPTION_A","member":"$MEMBER"}`,
		`{"poll":"$POLL","option":"$OPTION_A","voter_hash":"00"}`,
		`{"poll":"$POLL","option+":"$OPTION_A"}`,
		`{"poll":"$POLL","option":"$OPTION_A","option-":"$OPTION_A"}`,
		`{"poll":"../../$POLL","option":"$OPTION_A"}`,
		`{"poll":"` + strings.Repeat("p", 10240) + `","option":"$OPTION_A"}`,
		`{"poll":1,"option":true}`,
		`{"poll":null,"option":null}`,
		`{"poll":"","option":""}`,
		"{\"poll\":\"\xff\xfe\",\"option\":\"$OPTION_A\"}",
		`{}`, `[]`, `null`, ``, `{`,
	} {
		f.Add(byte(0), byte(0), []byte(seed))
	}
	f.Add(byte(0), byte(1), []byte(`{"poll":"$POLL","option":"$OPTION_A"}`)) // member 1 is option A: self vote
	f.Add(byte(0), byte(2), []byte(`{"poll":"$POLL","option":"$OPTION_A"}`))
	f.Add(byte(0), byte(5), []byte(`{"poll":"$POLL","option":"$OPTION_A"}`)) // a stranger
	f.Add(byte(2), byte(3), []byte(`poll=$POLL&option=$OPTION_A`))
	f.Add(byte(3), byte(3), []byte("--xYzZY\r\nContent-Disposition: form-data; name=\"poll\"\r\n\r\n$POLL\r\n--xYzZY\r\nContent-Disposition: form-data; name=\"option\"\r\n\r\n$OPTION_A\r\n--xYzZY--\r\n"))
	f.Add(byte(6), byte(3), []byte(`{"poll":"$POLL","option":"$OPTION_A"}`))

	w := newWorld(f, false)
	f.Fuzz(func(t *testing.T, ct, who byte, body []byte) {
		rec := send(w.h, "POST", "/api/collections/votes/records", w.caller(who), contentType(ct), []byte(w.expand(string(body))))
		checkAnswer(t, "vote", rec)
		if rec.Code == 200 {
			var res map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"member", "voter_hash", "user", "created", "updated"} {
				if _, ok := res[k]; ok {
					t.Fatalf("a vote answer shows %q: %s", k, rec.Body.String())
				}
			}
		}
	})
}
