package systemtest

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBackupRestoreKeepsVotesDeduplicated makes a PocketBase backup of a
// server with an open poll, restores it on a second server with a fresh data
// dir (and so a different key of its own), and checks that the restored
// server still refuses a second vote of someone who voted before the backup:
// the vote key travels with the backup.
func TestBackupRestoreKeepsVotesDeduplicated(t *testing.T) {
	a := newServer(t)
	f := a.newCircle(5)
	if _, status, err := a.vote(f, 1); status != 200 {
		t.Fatalf("vote before backup: %d %v", status, err)
	}
	a.mustDo("POST", "/api/backups", a.Token, map[string]any{"name": "circly_backup.zip"}, 204, nil)
	if _, status, err := a.vote(f, 2); status != 200 {
		t.Fatalf("vote after backup: %d %v", status, err)
	}
	zipPath := filepath.Join(a.DataDir, "backups", "circly_backup.zip")
	raw, err := os.ReadFile(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	a.Kill()

	b := newServer(t)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "circly_backup.zip")
	io.Copy(fw, bytes.NewReader(raw))
	mw.Close()
	req, _ := http.NewRequest("POST", b.URL+"/api/backups/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", b.Token)
	res, err := b.Client.Do(req)
	if err != nil || res.StatusCode != 204 {
		t.Fatalf("upload: %v %v", res.StatusCode, err)
	}
	res.Body.Close()
	b.mustDo("POST", "/api/backups/circly_backup.zip/restore", b.Token, nil, 204, nil)
	// the restored database has a's superuser (same credentials), not b's session
	b.waitRestartAs(f.users[0].id)

	// user 1 voted before the backup: still refused; user 2 voted after it:
	// that vote is not in the backup, so it may vote again
	if _, status, err := b.vote(f, 1); status != 400 || !strings.Contains(fmt.Sprint(err), "already voted") {
		t.Fatalf("second vote of a pre-backup voter after restore: %d %v", status, err)
	}
	if _, status, err := b.vote(f, 2); status != 200 {
		t.Fatalf("vote of a post-backup voter after restore: %d %v", status, err)
	}
	b.Kill()
	counts, _ := readCounts(t, b.DataDir, []string{f.poll})
	if c := counts[f.poll]; c.total != 2 || c.rows != 2 || c.tally != 2 {
		t.Fatalf("after restore: %+v", c)
	}
}

// waitRestartAs waits for the restart into the restored data (recognised
// by a user that exists only there) and signs in again as its superuser
// (the same credentials as the original server's).
func (s *server) waitRestartAs(restoredUserId string) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		var res struct {
			Token string `json:"token"`
		}
		status, _ := s.Call("POST", "/api/collections/_superusers/auth-with-password", "",
			map[string]any{"identity": s.SuperuserEmail, "password": s.SuperuserPassword}, &res)
		if status == 200 && res.Token != "" {
			if st, _ := s.Call("GET", "/api/collections/users/records/"+restoredUserId, res.Token, nil, nil); st != 200 {
				continue
			}
			s.Token = res.Token
			// restored settings are a's: keep the limiter off for the test
			if err := s.DisableRateLimits(); err != nil {
				s.t.Fatal(err)
			}
			return
		}
	}
	s.t.Fatalf("server did not come back after restore\n%s", s.Output())
}
