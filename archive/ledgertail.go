package archive

import (
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"strings"
	"sync"
)

// maxLaneOwners bounds the owners whose lane tails one process remembers;
// when full, the idle ones are forgotten (their tails are read again, one
// indexed read, when the process next appends for them).
const maxLaneOwners = 100_000

// lanes hands out this process's lanes of an owner's ledger. A lane is
// "<process>-<slot>": the process part is random, made when the Service
// is, so no two processes (nor two starts of one) share a lane, and an
// append never races another writer for a Seq. Each concurrent append for
// one owner takes a free slot, so appends of one owner do not queue behind
// each other either: an owner read by twelve officers at once gets up to
// twelve lanes in this process. Per slot the process remembers the lane's
// tail (Seq and Hash), which is all an append needs; nothing another
// process needs lives here.
type lanes struct {
	process string
	mu      sync.Mutex
	owners  map[string]*ownerLanes
}

// ownerLanes are one owner's slots in this process.
type ownerLanes struct {
	slots []laneTail
	busy  int
}

// laneTail is what the process knows of one of its lanes.
type laneTail struct {
	busy  bool
	known bool   // seq and hash are the lane's last entry (else read it)
	seq   int64  // 0: the lane is empty
	hash  string // Hash of entry seq
}

func newLanes() *lanes {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return &lanes{process: strings.ToLower(base32.StdEncoding.EncodeToString(b[:])), owners: map[string]*ownerLanes{}}
}

// name is the lane of slot.
func (l *lanes) name(slot int) string { return l.process + "-" + strconv.Itoa(slot) }

// take reserves the first free slot of chain and returns it with what is
// known of its lane's tail.
func (l *lanes) take(chain string) (int, laneTail) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o, ok := l.owners[chain]
	if !ok {
		if len(l.owners) >= maxLaneOwners {
			for c, x := range l.owners {
				if x.busy == 0 {
					delete(l.owners, c)
				}
			}
		}
		o = &ownerLanes{}
		l.owners[chain] = o
	}
	o.busy++
	for i := range o.slots {
		if !o.slots[i].busy {
			o.slots[i].busy = true
			return i, o.slots[i]
		}
	}
	o.slots = append(o.slots, laneTail{busy: true})
	return len(o.slots) - 1, o.slots[len(o.slots)-1]
}

// give frees slot of chain, remembering t as its lane's tail.
func (l *lanes) give(chain string, slot int, t laneTail) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.owners[chain]
	t.busy = false
	o.slots[slot] = t
	o.busy--
}
