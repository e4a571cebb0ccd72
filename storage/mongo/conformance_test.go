package mongo_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/archivetest"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/forms/formstest"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/jobs/jobstest"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/notify/notifytest"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/auth/authtest"
	"github.com/kho-vn/kho/storage/mongo"
)

// The conformance suites run every store method, so they also check the
// durability settings (store.go): every command they send must carry
// write concern majority with j:true, or read concern majority, although
// the URI asks for less. FerretDB has no replica set, so only what is
// sent can be checked, not its effect.

// TestConformance runs the archive.Store suite, each subtest on a fresh database.
func TestConformance(t *testing.T) {
	w := watchCommands()
	archivetest.Run(t, func(t *testing.T) archive.Store { return openWatched(t, w) })
	w.check(t)
}

// TestAuthConformance runs the auth.Store suite, each subtest on a fresh database.
func TestAuthConformance(t *testing.T) {
	w := watchCommands()
	authtest.RunAuth(t, func(t *testing.T) auth.Store { return openWatched(t, w) })
	w.check(t)
}

// TestSignInConformance runs the auth.SignInStore suite, each subtest on a fresh database.
func TestSignInConformance(t *testing.T) {
	w := watchCommands()
	authtest.RunSignIn(t, func(t *testing.T) auth.SignInStore { return openWatched(t, w) })
	w.check(t)
}

// TestFormsConformance runs the forms.Store suite, each subtest on a fresh database.
func TestFormsConformance(t *testing.T) {
	w := watchCommands()
	formstest.Run(t, func(t *testing.T) forms.Store { return openWatched(t, w) })
	w.check(t)
}

// weakURI is the test server's URI asking for the weakest settings,
// which the store must override.
func weakURI(t testing.TB) string {
	uri := testenv.MongoURI(t)
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + "w=1&journal=false&readConcernLevel=local&readPreference=secondaryPreferred"
}

// openWatched opens a store on a fresh database through weakURI, its
// commands reported to w, and drops the database when t ends.
func openWatched(t *testing.T, w *commandWatch) *mongo.Store {
	t.Helper()
	return openWith(t, weakURI(t), testenv.UniqueName(t, "mongo"), mongo.WithMonitor(w.monitor))
}

// commandWatch checks the write and read concern of every command sent.
type commandWatch struct {
	monitor *event.CommandMonitor
	mu      sync.Mutex
	counts  map[string]int // checked commands by name
	bad     []string
}

// writeCommands and readCommands are the commands that must carry the
// write concern and the read concern.
var (
	writeCommands = map[string]bool{"insert": true, "update": true, "delete": true, "findAndModify": true,
		"createIndexes": true, "create": true, "drop": true, "dropDatabase": true, "dropIndexes": true}
	readCommands = map[string]bool{"find": true, "aggregate": true, "count": true, "distinct": true}
)

func watchCommands() *commandWatch {
	w := &commandWatch{counts: map[string]int{}}
	w.monitor = &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		var problem string
		switch {
		case writeCommands[e.CommandName]:
			wc, _ := e.Command.Lookup("writeConcern").DocumentOK()
			wv, _ := wc.Lookup("w").StringValueOK()
			j, _ := wc.Lookup("j").BooleanOK()
			if wv != "majority" || !j {
				problem = fmt.Sprintf("%s with writeConcern %s", e.CommandName, bsonText(wc))
			}
		case readCommands[e.CommandName]:
			rc, _ := e.Command.Lookup("readConcern").DocumentOK()
			if lv, _ := rc.Lookup("level").StringValueOK(); lv != "majority" {
				problem = fmt.Sprintf("%s with readConcern %s", e.CommandName, bsonText(rc))
			}
		default:
			return
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		w.counts[e.CommandName]++
		if problem != "" && len(w.bad) < 10 {
			w.bad = append(w.bad, problem)
		}
	}}
	return w
}

func bsonText(d bson.Raw) string {
	if d == nil {
		return "(none)"
	}
	return d.String()
}

// check fails t if a command lacked the settings, or if the suite sent
// no write or no find (the check would then prove nothing).
func (w *commandWatch) check(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range w.bad {
		t.Errorf("a command without the durability settings: %s", b)
	}
	if w.counts["insert"] == 0 || w.counts["update"] == 0 && w.counts["findAndModify"] == 0 || w.counts["find"] == 0 {
		t.Errorf("the suite sent too few commands to check the settings: %v", w.counts)
	}
	t.Logf("commands checked: %v", w.counts)
}

// TestNotifyConformance runs the notify.Store suite, each subtest on a fresh database.
func TestNotifyConformance(t *testing.T) {
	w := watchCommands()
	notifytest.Run(t, func(t *testing.T) notify.Store { return openWatched(t, w) })
	w.check(t)
}

// TestJobsConformance runs the jobs.Store suite, each subtest on a fresh database.
func TestJobsConformance(t *testing.T) {
	w := watchCommands()
	jobstest.Run(t, func(t *testing.T) jobs.Store { return openWatched(t, w) })
	w.check(t)
}
