package e2e_test

// What a power cut leaves of a data directory, computed from a system-call
// trace of the server: the approach of ALICE (Pillai et al., "All File
// Systems Are Not Created Equal", OSDI 2014), in a small form.
//
// strace(1) records every call that changes the data directory: opens that
// create, writes, truncations, names made and removed, and the syncs. A
// model replays them on inodes and directories, keeping for each file its
// content now (the page cache) and its content at its last fsync or
// fdatasync, and for each directory its names now and at its last fsync.
// After a power cut the disk holds at least what was synced and at most
// what was written; crashView gives three of the states in between:
//
//   - synced: only what was synced: the state every acknowledged upload
//     must survive in;
//   - written: everything written, as after a SIGKILL (the page cache
//     reached the disk);
//   - metaAhead: the synced names and file contents, except that the
//     metadata store's files hold everything written to them: the
//     metadata reached the disk, the blobs did not.
//
// The model is checked against the real directory at the end of the trace
// (the written view must equal it), so a call it missed fails the test
// rather than hiding a state. What it does not explore: subsets of the
// unsynced writes other than these three (torn writes inside a file are
// SQLite's WAL checksums' business), and the -shm file, which SQLite
// rebuilds from the WAL when the first connection opens it.

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// traceCalls are the system calls recorded: everything that can change a
// file or a name, the syncs, and what the model needs to follow file
// descriptors. Calls that it cannot replay (writev, copy_file_range…)
// are recorded so that one on a data file fails the test.
const traceCalls = "open,openat,creat,close,lseek,write,pwrite64,writev,pwritev,pwritev2," +
	"ftruncate,truncate,fallocate,fsync,fdatasync,sync,syncfs," +
	"link,linkat,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat,rmdir," +
	"copy_file_range,sendfile,splice,dup,dup2,dup3"

// straceArgs are strace's flags for a trace that the model can read: all
// threads, paths of descriptors, strings in hex (so nothing in them looks
// like syntax) and long enough for a whole write.
func straceArgs(out string) []string {
	return []string{"-f", "-qq", "-y", "-xx", "-s", strconv.Itoa(4 << 20), "-e", "signal=none",
		"-e", "trace=" + traceCalls, "-o", out}
}

// inode is a file or directory of the model.
type inode struct {
	id  int
	dir bool
	// files
	data      []byte // content now
	synced    []byte // content at the last fsync/fdatasync (nil: empty)
	ver, sver int    // changes to data; ver at the last sync
	// directories
	entries     map[string]*inode // names now
	durable     map[string]*inode // names at the last fsync
	dver, dsver int               // changes to entries; dver at the last fsync
}

func (m *fsModel) newInode(dir bool) *inode {
	m.nextID++
	n := &inode{id: m.nextID, dir: dir}
	if dir {
		n.entries, n.durable = map[string]*inode{}, map[string]*inode{}
	}
	return n
}

// openFile is an open descriptor on a file or directory of the model.
type openFile struct {
	ino *inode
	pos int64
}

// fsModel is the data directory as the trace changes it.
type fsModel struct {
	root   string // the data directory, absolute, symlinks resolved
	top    *inode
	fds    map[int]*openFile
	nextID int
	// meta are the inodes of the metadata store (kho.db and its -wal).
	meta map[*inode]bool
}

// newFSModel reads the directory as it is now, which the caller has
// synced (syscall.Sync): it is all durable.
func newFSModel(root string) (*fsModel, error) {
	m := &fsModel{root: root, fds: map[int]*openFile{}, meta: map[*inode]bool{}}
	var load func(dir string) (*inode, error)
	load = func(dir string) (*inode, error) {
		n := m.newInode(true)
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			p := filepath.Join(dir, e.Name())
			var c *inode
			switch {
			case e.IsDir():
				if c, err = load(p); err != nil {
					return nil, err
				}
			case e.Type().IsRegular():
				b, err := os.ReadFile(p)
				if err != nil {
					return nil, err
				}
				c = m.newInode(false)
				c.data, c.synced = b, slices.Clone(b)
			default:
				return nil, fmt.Errorf("%s: not a file or directory", p)
			}
			n.entries[e.Name()], n.durable[e.Name()] = c, c
		}
		return n, nil
	}
	top, err := load(root)
	if err != nil {
		return nil, err
	}
	m.top = top
	return m, nil
}

// inside returns p relative to the root, or false when p is outside.
func (m *fsModel) inside(p string) (string, bool) {
	if p == m.root {
		return ".", true
	}
	rel, ok := strings.CutPrefix(p, m.root+"/")
	return rel, ok
}

// lookup finds a path's inode among the current names (nil: none).
func (m *fsModel) lookup(p string) *inode {
	rel, ok := m.inside(p)
	if !ok {
		return nil
	}
	n := m.top
	if rel == "." {
		return n
	}
	for _, part := range strings.Split(rel, "/") {
		if n == nil || !n.dir {
			return nil
		}
		n = n.entries[part]
	}
	return n
}

// parent returns the directory inode that holds p's name, and the name.
func (m *fsModel) parent(p string) (*inode, string, error) {
	if _, ok := m.inside(p); !ok || p == m.root {
		return nil, "", nil
	}
	d := m.lookup(filepath.Dir(p))
	if d == nil || !d.dir {
		return nil, "", fmt.Errorf("%s: parent directory unknown to the model", p)
	}
	return d, filepath.Base(p), nil
}

func (d *inode) setEntry(name string, n *inode) {
	if n == nil {
		delete(d.entries, name)
	} else {
		d.entries[name] = n
	}
	d.dver++
}

func (n *inode) writeAt(p []byte, off int64) {
	if end := off + int64(len(p)); end > int64(len(n.data)) {
		n.data = append(n.data, make([]byte, end-int64(len(n.data)))...)
	}
	copy(n.data[off:], p)
	n.ver++
}

func (n *inode) truncate(size int64) {
	if size <= int64(len(n.data)) {
		n.data = n.data[:size]
	} else {
		n.data = append(n.data, make([]byte, size-int64(len(n.data)))...)
	}
	n.ver++
}

// snapshot takes what a sync makes durable — what was written before the
// call began — and returns the function that makes it durable when the
// call returns.
func (n *inode) snapshot() func() {
	if n.dir {
		ent, ver := cloneMap(n.entries), n.dver
		return func() { n.durable, n.dsver = ent, ver }
	}
	data, ver := slices.Clone(n.data), n.ver
	return func() { n.synced, n.sver = data, ver }
}

func cloneMap(m map[string]*inode) map[string]*inode {
	c := make(map[string]*inode, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// crashView names one of the states a power cut can leave.
type crashView int

const (
	viewSynced crashView = iota
	viewWritten
	viewMetaAhead
)

func (v crashView) String() string {
	return [...]string{"synced only", "everything written (as after SIGKILL)", "metadata written, blobs synced only"}[v]
}

func (m *fsModel) entries(v crashView, d *inode) map[string]*inode {
	if v == viewWritten {
		return d.entries
	}
	return d.durable
}

func (m *fsModel) content(v crashView, n *inode) []byte {
	if v == viewWritten || v == viewMetaAhead && m.meta[n] {
		return n.data
	}
	return n.synced
}

// skipFile is what a view leaves out: SQLite's shared-memory index,
// rebuilt from the WAL after a crash.
func skipFile(name string) bool { return strings.HasSuffix(name, "-shm") }

// fingerprint identifies the state a view gives, to check each distinct
// state once.
func (m *fsModel) fingerprint(v crashView) string {
	var b strings.Builder
	var walk func(d *inode, path string)
	walk = func(d *inode, path string) {
		names := make([]string, 0, len(m.entries(v, d)))
		for k := range m.entries(v, d) {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			n := m.entries(v, d)[k]
			if n.dir {
				fmt.Fprintf(&b, "%s/%s/\n", path, k)
				walk(n, path+"/"+k)
				continue
			}
			ver := n.sver
			if v == viewWritten || v == viewMetaAhead && m.meta[n] {
				ver = n.ver
			}
			fmt.Fprintf(&b, "%s/%s %d@%d\n", path, k, n.id, ver)
		}
	}
	walk(m.top, "")
	return b.String()
}

// materialize writes the state of view v into dst (an empty directory).
func (m *fsModel) materialize(v crashView, dst string) error {
	var walk func(d *inode, dir string) error
	walk = func(d *inode, dir string) error {
		for name, n := range m.entries(v, d) {
			p := filepath.Join(dir, name)
			if n.dir {
				if err := os.Mkdir(p, 0o700); err != nil {
					return err
				}
				if err := walk(n, p); err != nil {
					return err
				}
				continue
			}
			if skipFile(name) {
				continue
			}
			if err := os.WriteFile(p, m.content(v, n), 0o600); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(m.top, dst)
}

// durablePath reports whether p resolves to n through the names as they
// were last synced, from the root down.
func (m *fsModel) durablePath(p string, n *inode) bool {
	rel, ok := m.inside(p)
	if !ok {
		return false
	}
	d := m.top
	for _, part := range strings.Split(rel, "/") {
		if d == nil || !d.dir {
			return false
		}
		d = d.durable[part]
	}
	return d == n
}

// diffWithDisk compares the written view with the directory on disk
// (after the traced process died): they differ only if the model missed
// a call. The -shm file is left out.
func (m *fsModel) diffWithDisk() []string {
	var diffs []string
	var walk func(d *inode, dir string)
	walk = func(d *inode, dir string) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			diffs = append(diffs, err.Error())
			return
		}
		seen := map[string]bool{}
		for _, e := range ents {
			if skipFile(e.Name()) {
				continue
			}
			seen[e.Name()] = true
			p := filepath.Join(dir, e.Name())
			n := d.entries[e.Name()]
			switch {
			case n == nil:
				diffs = append(diffs, p+": on disk, not in the model")
			case n.dir != e.IsDir():
				diffs = append(diffs, p+": file/directory mismatch")
			case n.dir:
				walk(n, p)
			default:
				b, err := os.ReadFile(p)
				if err != nil {
					diffs = append(diffs, err.Error())
				} else if !bytes.Equal(b, n.data) {
					diffs = append(diffs, fmt.Sprintf("%s: %d bytes on disk, %d in the model", p, len(b), len(n.data)))
				}
			}
		}
		for name := range d.entries {
			if !seen[name] && !skipFile(name) {
				diffs = append(diffs, filepath.Join(dir, name)+": in the model, not on disk")
			}
		}
	}
	walk(m.top, m.root)
	return diffs
}

// ---- the trace ---------------------------------------------------------------

// sysCall is one system call of the trace, its arguments still as strace
// printed them.
type sysCall struct {
	line int      // of the line where it began (1-based)
	end  int      // of the line where it ended
	name string   // e.g. "pwrite64"
	args []string // top-level arguments
	ret  string   // "" while unfinished; "?" if it never returned
	// sync makes durable what a sync call's start saw (set by syncStart).
	sync func()
}

// failed reports whether the call returned an error (or never returned).
func (c *sysCall) failed() bool { return strings.HasPrefix(c.ret, "-") || c.ret == "?" || c.ret == "" }

// retInt is the call's return value as a number.
func (c *sysCall) retInt() int64 {
	f := strings.Fields(c.ret)
	if len(f) == 0 {
		return -1
	}
	s, _, _ := strings.Cut(f[0], "<")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

var (
	lineRE    = regexp.MustCompile(`^(\d+)\s+(?:\d\d:\d\d:\d\d\.\d+\s+)?(.*)$`)
	resumedRE = regexp.MustCompile(`^<\.\.\. (\w+) resumed>(.*)$`)
	hexRE     = regexp.MustCompile(`(?:\\x[0-9a-f]{2})+`)
	fdArgRE   = regexp.MustCompile(`^(-?\d+|AT_FDCWD)<(.*)>(\(deleted\))?$`)
	retRE     = regexp.MustCompile(`^(.*)\)\s+= (.*)$`)
)

// unhex decodes strace's \xNN escapes (-xx) and leaves the rest.
func unhex(s string) string {
	return hexRE.ReplaceAllStringFunc(s, func(h string) string {
		b, _ := hex.DecodeString(strings.ReplaceAll(h, `\x`, ""))
		return string(b)
	})
}

// strArg decodes a string argument; trunc says strace cut it (-s).
func strArg(a string) (b []byte, trunc, ok bool) {
	if !strings.HasPrefix(a, `"`) {
		return nil, false, false
	}
	end := strings.LastIndex(a, `"`)
	if end < 1 {
		return nil, false, false
	}
	return []byte(unhex(a[1:end])), strings.HasSuffix(a, "..."), true
}

// fdArg decodes a descriptor argument with its path (-y): "7</x/y>";
// AT_FDCWD is fd -100.
func fdArg(a string) (fd int, path string, ok bool) {
	m := fdArgRE.FindStringSubmatch(a)
	if m == nil {
		return 0, "", false
	}
	if m[1] == "AT_FDCWD" {
		fd = -100
	} else {
		fd, _ = strconv.Atoi(m[1])
	}
	return fd, unhex(m[2]), true
}

// splitArgs splits an argument list at its top-level commas.
func splitArgs(s string) []string {
	var args []string
	depth, start := 0, 0
	inStr := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '(' || c == '[' || c == '{' || c == '<':
			depth++
		case c == ')' || c == ']' || c == '}' || c == '>':
			depth--
		case c == ',' && depth == 0:
			args = append(args, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" {
		args = append(args, rest)
	}
	return args
}

// splitCall splits "name(args) = ret" (or "name(args <unfinished ...>").
func splitCall(s string) (name, args, ret string, finished bool) {
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return "", "", "", false
	}
	name = s[:open]
	if body, ok := strings.CutSuffix(s[open+1:], " <unfinished ...>"); ok {
		return name, body, "", false
	}
	args, ret = splitRet(s[open+1:])
	return name, args, ret, true
}

// splitRet splits "args) = ret" at its last ")" followed by "=" (strace
// pads a resumed call's ")" with spaces).
func splitRet(s string) (args, ret string) {
	m := retRE.FindStringSubmatch(s)
	if m == nil {
		return s, "?"
	}
	return m[1], strings.TrimSpace(m[2])
}

// readTrace calls start when a call begins and end when it returns, in
// the order the trace shows them (calls of several threads interleave).
func readTrace(path string, start, end func(*sysCall) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	pending := map[string]*sysCall{} // by thread
	pendingArgs := map[string]string{}
	n := 0
	for sc.Scan() {
		n++
		m := lineRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		tid, rest := m[1], m[2]
		if r := resumedRE.FindStringSubmatch(rest); r != nil {
			c := pending[tid]
			if c == nil || c.name != r[1] {
				return fmt.Errorf("line %d: %s resumed without its start", n, r[1])
			}
			delete(pending, tid)
			tail, ret := splitRet(r[2])
			c.args = splitArgs(pendingArgs[tid] + tail)
			c.ret, c.end = ret, n
			if err := end(c); err != nil {
				return fmt.Errorf("line %d: %w", n, err)
			}
			continue
		}
		name, args, ret, finished := splitCall(rest)
		if name == "" || strings.ContainsAny(name, " -+") {
			continue // "+++ exited", "--- SIG…" and the like
		}
		c := &sysCall{line: n, name: name, args: splitArgs(args)}
		if err := start(c); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if !finished {
			pending[tid], pendingArgs[tid] = c, args
			continue
		}
		c.ret, c.end = ret, n
		if err := end(c); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return sc.Err()
}

// pathArg resolves a path argument against a directory descriptor
// argument (the *at calls) or the working directory.
func pathArg(dirArg, p string) (string, error) {
	b, _, ok := strArg(p)
	if !ok {
		return "", fmt.Errorf("not a path: %.60s", p)
	}
	s := string(b)
	if filepath.IsAbs(s) {
		return filepath.Clean(s), nil
	}
	_, dir, ok := fdArg(dirArg)
	if !ok {
		return "", fmt.Errorf("relative path %q without a directory", s)
	}
	return filepath.Join(dir, s), nil
}

// syncStart is the model's part of a call's beginning: a sync takes its
// snapshot then.
func (m *fsModel) syncStart(c *sysCall) {
	if c.name != "fsync" && c.name != "fdatasync" {
		return
	}
	if fd, _, ok := fdArg(c.args[0]); ok {
		if of := m.fds[fd]; of != nil {
			c.sync = of.ino.snapshot()
		}
	}
}

// apply replays a call that returned. It reports calls on the data
// directory that the model cannot replay.
func (m *fsModel) apply(c *sysCall) error {
	if c.failed() && c.name != "close" {
		return nil
	}
	arg := func(i int) string {
		if i < len(c.args) {
			return c.args[i]
		}
		return ""
	}
	fdOf := func(i int) (*openFile, int, string) {
		fd, p, ok := fdArg(arg(i))
		if !ok {
			return nil, -1, ""
		}
		return m.fds[fd], fd, p
	}
	switch c.name {
	case "open", "openat", "creat":
		var p string
		var err error
		flags := ""
		switch c.name {
		case "open":
			p, err = pathArg("", arg(0))
			flags = arg(1)
		case "openat":
			p, err = pathArg(arg(0), arg(1))
			flags = arg(2)
		case "creat":
			p, err = pathArg("", arg(0))
			flags = "O_CREAT|O_TRUNC"
		}
		if err != nil {
			return err
		}
		fd, real, ok := fdArg(c.ret)
		if !ok {
			return fmt.Errorf("%s: return %q has no path", c.name, c.ret)
		}
		delete(m.fds, fd)
		if _, in := m.inside(real); !in {
			if _, in := m.inside(p); in {
				return fmt.Errorf("%s %s opened %s outside the data directory", c.name, p, real)
			}
			return nil
		}
		n := m.lookup(real)
		if n == nil {
			if !strings.Contains(flags, "O_CREAT") {
				return fmt.Errorf("%s: %s opened but unknown to the model", c.name, real)
			}
			d, name, err := m.parent(real)
			if err != nil {
				return err
			}
			n = m.newInode(false)
			d.setEntry(name, n)
		} else if strings.Contains(flags, "O_TRUNC") && !n.dir {
			n.truncate(0)
		}
		if base := filepath.Base(real); filepath.Dir(real) == m.root && strings.HasPrefix(base, "kho.db") && !skipFile(base) {
			m.meta[n] = true
		}
		m.fds[fd] = &openFile{ino: n}
	case "close":
		if fd, _, ok := fdArg(arg(0)); ok {
			delete(m.fds, fd)
		}
	case "lseek":
		if of, _, _ := fdOf(0); of != nil {
			of.pos = c.retInt()
		}
	case "write", "pwrite64":
		of, _, p := fdOf(0)
		if of == nil {
			if _, in := m.inside(p); in {
				return fmt.Errorf("%s on %s, which the model does not know open", c.name, p)
			}
			return nil
		}
		b, trunc, ok := strArg(arg(1))
		if !ok || trunc {
			return fmt.Errorf("%s on %s: data not recorded whole", c.name, p)
		}
		n := c.retInt()
		b = b[:n]
		if c.name == "write" {
			of.ino.writeAt(b, of.pos)
			of.pos += n
		} else {
			off, err := strconv.ParseInt(arg(3), 10, 64)
			if err != nil {
				return fmt.Errorf("pwrite64 offset %q", arg(3))
			}
			of.ino.writeAt(b, off)
		}
	case "ftruncate":
		if of, _, _ := fdOf(0); of != nil {
			size, err := strconv.ParseInt(arg(1), 10, 64)
			if err != nil {
				return fmt.Errorf("ftruncate size %q", arg(1))
			}
			of.ino.truncate(size)
		}
	case "fsync", "fdatasync":
		if c.sync != nil {
			c.sync()
		}
	case "mkdir", "mkdirat", "unlink", "unlinkat", "rmdir":
		p, err := pathArg(dirArgOf(c), pathArgOf(c, 0))
		if err != nil {
			return err
		}
		d, name, err := m.parent(p)
		if err != nil || d == nil {
			return err
		}
		var n *inode // removed
		if strings.HasPrefix(c.name, "mkdir") {
			n = m.newInode(true)
		}
		d.setEntry(name, n)
	case "link", "linkat", "rename", "renameat", "renameat2":
		var from, to string
		var err error
		if c.name == "link" || c.name == "rename" {
			if from, err = pathArg("", arg(0)); err == nil {
				to, err = pathArg("", arg(1))
			}
		} else {
			if from, err = pathArg(arg(0), arg(1)); err == nil {
				to, err = pathArg(arg(2), arg(3))
			}
		}
		if err != nil {
			return err
		}
		n := m.lookup(from)
		dTo, nameTo, err := m.parent(to)
		if err != nil {
			return err
		}
		if n == nil || dTo == nil {
			if n != nil || dTo != nil {
				return fmt.Errorf("%s %s → %s crosses the data directory's edge", c.name, from, to)
			}
			return nil
		}
		dTo.setEntry(nameTo, n)
		if strings.HasPrefix(c.name, "rename") {
			dFrom, nameFrom, _ := m.parent(from)
			dFrom.setEntry(nameFrom, nil)
		}
	case "sync", "syncfs":
		var all func(d *inode)
		all = func(d *inode) {
			d.snapshot()()
			for _, n := range d.entries {
				if n.dir {
					all(n)
				} else {
					n.snapshot()()
				}
			}
		}
		all(m.top)
	case "truncate", "fallocate", "writev", "pwritev", "pwritev2", "copy_file_range", "sendfile", "splice", "dup", "dup2", "dup3":
		for _, a := range c.args {
			if _, p, ok := fdArg(a); ok {
				if _, in := m.inside(p); in {
					return fmt.Errorf("%s on %s: the model cannot replay it", c.name, p)
				}
			}
			if b, _, ok := strArg(a); ok {
				if _, in := m.inside(string(b)); in {
					return fmt.Errorf("%s on %s: the model cannot replay it", c.name, b)
				}
			}
		}
	}
	return nil
}

// dirArgOf and pathArgOf pick the directory descriptor and the i-th path
// of the *at and plain forms of a call.
func dirArgOf(c *sysCall) string {
	if strings.HasSuffix(c.name, "at") && len(c.args) > 0 {
		return c.args[0]
	}
	return ""
}

func pathArgOf(c *sysCall, i int) string {
	if strings.HasSuffix(c.name, "at") {
		i++
	}
	if i < len(c.args) {
		return c.args[i]
	}
	return ""
}
