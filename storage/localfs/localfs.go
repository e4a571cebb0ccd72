// Package localfs is the storage.Driver of the embedded default: blobs are
// files under one root directory.
//
// Layout: a blob with key abcd… is the file root/ab/cd/abcd… (two levels of
// fan-out keep directories small); staged writes are temporary files in
// root/tmp/; trashed blobs (storage.Driver.Trash) are root/trash/NAME. A
// commit fsyncs the temporary file, hard-links it to its final
// name — which fails if the name exists, so a blob is never overwritten —
// and fsyncs the directory of the new name and, the first time this driver
// commits into it, the directories above it up to the root, so that the
// whole path survives a power cut before Commit returns; then it removes
// the temporary name. Only keys that storage.ValidKey accepts are used in
// paths, so no key can name anything outside the root.
//
// Files are created 0600 and directories 0700, whatever the umask and the
// mode of the directories above; New tightens the root and root/tmp if an
// older version left them more open.
package localfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kho-vn/kho/internal/durable"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage"
)

const (
	trashDir = "trash"
	tmpDir   = "tmp"
	tmpGlob  = "stage-"
	dirMode  = durable.DirMode
)

// Driver stores blobs as files under a root directory.
type Driver struct {
	root string
	// synced holds the blob directories (root/ab/cd) whose path up to
	// the root this driver has synced: a commit into one of them only
	// syncs the directory itself.
	synced sync.Map
}

var _ storage.Driver = (*Driver)(nil)

// New returns a driver over root, creating root and root/tmp if needed.
// The error is Internal (code "blob_dir_unusable") if root cannot be made
// or written.
func New(root string) (*Driver, error) {
	if root == "" {
		return nil, kerr.New(kerr.Invalid, "blob_dir_unusable", "Chưa cấu hình thư mục lưu tệp.", "localfs: empty root")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "blob_dir_unusable", "Không dùng được thư mục lưu tệp.")
	}
	for _, dir := range []string{abs, filepath.Join(abs, tmpDir), filepath.Join(abs, trashDir)} {
		if err := durable.MkdirAll(dir); err != nil {
			return nil, kerr.Wrap(err, kerr.Internal, "blob_dir_unusable", "Không tạo được thư mục lưu tệp.")
		}
	}
	return &Driver{root: abs}, nil
}

// Root returns the absolute root directory.
func (d *Driver) Root() string { return d.root }

// path returns the file of a valid key.
func (d *Driver) path(key string) string {
	return filepath.Join(d.root, key[0:2], key[2:4], key)
}

// Path returns the file that holds key, or "" if key is not a valid key.
// It is meant for tests and repair tools.
func (d *Driver) Path(key string) string {
	if !storage.ValidKey(key) {
		return ""
	}
	return d.path(key)
}

// Stage creates a temporary file in root/tmp.
func (d *Driver) Stage(ctx context.Context) (storage.Staged, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dir := filepath.Join(d.root, tmpDir)
	// CreateTemp makes the file 0600 (the umask can only take bits away).
	f, err := os.CreateTemp(dir, tmpGlob+"*")
	if errors.Is(err, fs.ErrNotExist) {
		// Someone removed tmp/ (or the root): make it again, once.
		if err = durable.MkdirAll(dir); err == nil {
			f, err = os.CreateTemp(dir, tmpGlob+"*")
		}
	}
	if err != nil {
		return nil, fsError(err, "stage")
	}
	return &staged{d: d, f: f}, nil
}

// Prestage is Stage (storage.Prestager): a staged file holds nothing bound
// to ctx.
func (d *Driver) Prestage(ctx context.Context) (storage.Staged, error) { return d.Stage(ctx) }

// Open opens key's file at off. Kinds: NotFound, Invalid (bad key, off < 0
// or past the end).
func (d *Driver) Open(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !storage.ValidKey(key) {
		return nil, invalidKey(key)
	}
	f, err := os.Open(d.path(key))
	if err != nil {
		return nil, fsError(err, key)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fsError(err, key)
	}
	size := fi.Size()
	if off < 0 || off > size {
		f.Close()
		return nil, kerr.New(kerr.Invalid, storage.CodeInvalidRange, "", "localfs: offset %d of a %d-byte blob", off, size)
	}
	n := size - off
	if length >= 0 && length < n {
		n = length
	}
	return &section{SectionReader: io.NewSectionReader(f, off, n), f: f}, nil
}

// section reads a part of an open file and closes it.
type section struct {
	*io.SectionReader
	f *os.File
}

func (s *section) Close() error { return s.f.Close() }

// Stat returns the size and modification time of key's file.
// Kinds: NotFound, Invalid.
func (d *Driver) Stat(ctx context.Context, key string) (storage.Attrs, error) {
	if err := ctx.Err(); err != nil {
		return storage.Attrs{}, err
	}
	if !storage.ValidKey(key) {
		return storage.Attrs{}, invalidKey(key)
	}
	fi, err := os.Stat(d.path(key))
	if err != nil {
		return storage.Attrs{}, fsError(err, key)
	}
	return storage.Attrs{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete removes key's file. Kinds: NotFound, Invalid.
func (d *Driver) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !storage.ValidKey(key) {
		return invalidKey(key)
	}
	if err := os.Remove(d.path(key)); err != nil {
		return fsError(err, key)
	}
	return nil
}

// Touch sets the blob file's modification time to now.
func (d *Driver) Touch(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !storage.ValidKey(key) {
		return invalidKey(key)
	}
	now := time.Now()
	if err := os.Chtimes(d.path(key), now, now); err != nil {
		return fsError(err, key)
	}
	return nil
}

// List walks root/xx/yy/ in lexical order and reports the files whose
// names are valid keys in their right place; it skips root/tmp and
// anything else.
func (d *Driver) List(ctx context.Context, fn func(storage.Attrs) error) error {
	top, err := readDirNames(d.root)
	if err != nil {
		return fsError(err, "list")
	}
	for _, a := range top {
		if !isHexPair(a) {
			continue // tmp and strangers
		}
		mid, err := readDirNames(filepath.Join(d.root, a))
		if err != nil {
			return fsError(err, "list")
		}
		for _, b := range mid {
			if !isHexPair(b) {
				continue
			}
			dir := filepath.Join(d.root, a, b)
			ents, err := os.ReadDir(dir)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fsError(err, "list")
			}
			for _, e := range ents {
				if err := ctx.Err(); err != nil {
					return err
				}
				key := e.Name()
				if !storage.ValidKey(key) || key[0:2] != a || key[2:4] != b || !e.Type().IsRegular() {
					continue
				}
				fi, err := e.Info()
				if errors.Is(err, fs.ErrNotExist) {
					continue // deleted meanwhile
				}
				if err != nil {
					return fsError(err, "list")
				}
				if err := fn(storage.Attrs{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// trashPath returns the file of a trashed blob, or "" for a name that
// storage.ParseTrashName refuses.
func (d *Driver) trashPath(name string) (path, key string) {
	key, _, ok := storage.ParseTrashName(name)
	if !ok {
		return "", ""
	}
	return filepath.Join(d.root, trashDir, name), key
}

// Trash renames key's file into root/trash/ — one atomic rename, after
// which a Touch or Open of key fails and a Commit of key makes a new file —
// and syncs both directories. Kinds: NotFound, Invalid.
func (d *Driver) Trash(ctx context.Context, key, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tp, tkey := d.trashPath(name)
	if !storage.ValidKey(key) || tkey != key {
		return kerr.New(kerr.Invalid, storage.CodeInvalidKey, "", "localfs: trash %q as %q", key, name)
	}
	if err := durable.MkdirAll(filepath.Dir(tp)); err != nil {
		return fsError(err, "mkdir trash")
	}
	src := d.path(key)
	if err := os.Rename(src, tp); err != nil {
		return fsError(err, key)
	}
	return syncDirs(filepath.Dir(src), filepath.Dir(tp))
}

// Restore links the trashed file back to its key's name (never replacing
// a file committed there meanwhile), syncs the directory, then removes the
// trash name. Kinds: NotFound, Invalid.
func (d *Driver) Restore(ctx context.Context, name string) error {
	tp, key, err := d.trashed(ctx, name)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(tp); err != nil {
		return fsError(err, "trash "+name)
	}
	// The restored name is durable before the trash name goes.
	if err := d.link(tp, key); err != nil && !kerr.IsKind(err, kerr.Conflict) {
		return err
	}
	if err := os.Remove(tp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fsError(err, "remove trash "+name)
	}
	return nil
}

// trashed returns the file and key of a trash name (Invalid for a bad name).
func (d *Driver) trashed(ctx context.Context, name string) (path, key string, err error) {
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	path, key = d.trashPath(name)
	if path == "" {
		return "", "", kerr.New(kerr.Invalid, storage.CodeInvalidKey, "", "localfs: invalid trash name %q", name)
	}
	return path, key, nil
}

// Purge removes a trashed file. Kinds: NotFound, Invalid.
func (d *Driver) Purge(ctx context.Context, name string) error {
	tp, _, err := d.trashed(ctx, name)
	if err != nil {
		return err
	}
	if err := os.Remove(tp); err != nil {
		return fsError(err, "trash "+name)
	}
	return nil
}

// ListTrash lists root/trash/, skipping names that are not trash names.
func (d *Driver) ListTrash(ctx context.Context, fn func(name string) error) error {
	ents, err := os.ReadDir(filepath.Join(d.root, trashDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fsError(err, "list trash")
	}
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, _, ok := storage.ParseTrashName(e.Name()); !ok || !e.Type().IsRegular() {
			continue
		}
		if err := fn(e.Name()); err != nil {
			return err
		}
	}
	return nil
}

// syncDirs fsyncs each directory.
func syncDirs(dirs ...string) error {
	for _, dir := range dirs {
		if err := durable.SyncDir(dir); err != nil {
			return fsError(err, "sync dir")
		}
	}
	return nil
}

// CleanTemp removes staged-write files older than olderThan (left by a
// crash, or by a write still running if olderThan is too short) and returns
// how many it removed.
func (d *Driver) CleanTemp(ctx context.Context, olderThan time.Duration) (int, error) {
	dir := filepath.Join(d.root, tmpDir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, fsError(err, "clean temp")
	}
	cutoff := time.Now().Add(-olderThan)
	n := 0
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		fi, err := e.Info()
		if err != nil || !strings.HasPrefix(e.Name(), tmpGlob) || !fi.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
			n++
		} else if !errors.Is(err, fs.ErrNotExist) {
			return n, fsError(err, "clean temp")
		}
	}
	return n, nil
}

// Close does nothing: the driver holds no open files.
func (d *Driver) Close() error { return nil }

// staged is a write into a temporary file.
type staged struct {
	d      *Driver
	f      *os.File
	done   bool
	synced bool // Flush made the bytes durable and nothing was written since
}

func (s *staged) Write(p []byte) (int, error) {
	if s.done {
		return 0, kerr.New(kerr.Internal, "", "", "localfs: write after commit or abort")
	}
	s.synced = false
	n, err := s.f.Write(p)
	if err != nil {
		return n, fsError(err, "write")
	}
	return n, nil
}

// Flush fsyncs the bytes written so far, so that Commit only has to
// name them (see storage.Flusher).
func (s *staged) Flush(context.Context) error {
	if s.done {
		return kerr.New(kerr.Internal, "", "", "localfs: flush after commit or abort")
	}
	if err := s.f.Sync(); err != nil {
		return fsError(err, "sync")
	}
	s.synced = true
	return nil
}

// Reread opens the staged file again (storage.Rereader): the reader keeps
// the file open after Commit or Abort removes its temporary name.
func (s *staged) Reread() (storage.ReaderAtCloser, bool, error) {
	if s.done {
		return nil, false, kerr.New(kerr.Internal, "", "", "localfs: reread after commit or abort")
	}
	f, err := os.Open(s.f.Name())
	if err != nil {
		return nil, false, fsError(err, "reread")
	}
	return f, true, nil
}

// Commit fsyncs the file and links it under key's name.
func (s *staged) Commit(ctx context.Context, key string) error {
	if s.done {
		return kerr.New(kerr.Internal, "", "", "localfs: commit after commit or abort")
	}
	s.done = true
	tmp := s.f.Name()
	defer os.Remove(tmp) // the final name is a second link, if it was made
	if !s.synced {
		if err := s.f.Sync(); err != nil {
			s.f.Close()
			return fsError(err, "sync")
		}
	}
	if err := s.f.Close(); err != nil {
		return fsError(err, "close")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !storage.ValidKey(key) {
		return invalidKey(key)
	}
	return s.d.link(tmp, key)
}

// link gives the file tmp key's name durably, never replacing a file of
// that name (Conflict): it makes the directories, places the name and
// syncs the path (syncPath).
func (d *Driver) link(tmp, key string) error {
	final := d.path(key)
	dir := filepath.Dir(final)
	if err := mkdirs(d.root, dir); err != nil {
		return fsError(err, "mkdir")
	}
	perr := place(tmp, final)
	if perr != nil && !kerr.IsKind(perr, kerr.Conflict) {
		return perr
	}
	if kerr.IsKind(perr, kerr.Conflict) {
		// The blob is there already, and the caller is about to
		// acknowledge an upload that refers to it: make sure a commit that
		// named it but died before its syncs did not leave it in the page
		// cache only.
		if err := durable.SyncFile(final); err != nil {
			return fsError(err, "sync")
		}
	}
	// Make the name durable before Commit returns: its directory, and the
	// directories above it (made now or by a commit that did not sync
	// them, such as one a crash cut short, or another process's racing
	// with this one).
	if err := d.syncPath(dir); err != nil {
		return fsError(err, "sync dir")
	}
	return perr
}

// syncPath fsyncs dir (a blob directory root/ab/cd), and, the first time
// for this driver, root/ab and the root, which hold the names of the
// directories below them.
func (d *Driver) syncPath(dir string) error {
	if err := durable.SyncDir(dir); err != nil {
		return err
	}
	if _, ok := d.synced.Load(dir); ok {
		return nil
	}
	for p := filepath.Dir(dir); len(p) >= len(d.root); p = filepath.Dir(p) {
		if err := durable.SyncDir(p); err != nil {
			return err
		}
		if p == d.root {
			break
		}
	}
	d.synced.Store(dir, struct{}{})
	return nil
}

// place gives tmp the name final without ever replacing final: a hard link
// (which fails if final exists), or, where the file system has no hard
// links, a rename after checking final is absent.
func place(tmp, final string) error {
	err := os.Link(tmp, final)
	if err == nil {
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return kerr.New(kerr.Conflict, storage.CodeExists, "", "localfs: %s exists", filepath.Base(final))
	}
	var le *os.LinkError
	if !errors.As(err, &le) || !(errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.ENOTSUP) ||
		errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.EMLINK) || errors.Is(err, syscall.ENOSYS)) {
		return fsError(err, "link")
	}
	if _, err := os.Lstat(final); err == nil {
		return kerr.New(kerr.Conflict, storage.CodeExists, "", "localfs: %s exists", filepath.Base(final))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fsError(err, "stat")
	}
	if err := os.Rename(tmp, final); err != nil {
		return fsError(err, "rename")
	}
	return nil
}

func (s *staged) Abort(context.Context) error {
	if s.done {
		return nil
	}
	s.done = true
	s.f.Close()
	if err := os.Remove(s.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fsError(err, "abort")
	}
	return nil
}

// mkdirs makes dir (inside root) and its missing parents; the caller
// syncs them (syncPath).
func mkdirs(root, dir string) error {
	var missing []string
	for p := dir; p != root && len(p) > len(root); p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			break
		}
		missing = append([]string{p}, missing...)
	}
	for _, p := range missing {
		if err := os.Mkdir(p, dirMode); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	return nil
}

// readDirNames lists a directory's subdirectory names; a missing directory
// is empty.
func readDirNames(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func isHexPair(s string) bool {
	return len(s) == 2 && storage.ValidKey(strings.Repeat(s, storage.KeyLen/2))
}

func invalidKey(key string) error {
	return kerr.New(kerr.Invalid, storage.CodeInvalidKey, "", "localfs: invalid key %q", key)
}

// fsError gives an error of the file system its kind: NotFound for a
// missing file, TooLarge for a full disk or quota, Internal otherwise.
func fsError(err error, what string) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &kerr.Error{Kind: kerr.NotFound, Code: storage.CodeNotFound, Detail: "localfs: " + what, Err: err}
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return &kerr.Error{Kind: kerr.TooLarge, Code: storage.CodeStorageFull, Detail: "localfs: " + what, Err: err}
	}
	return &kerr.Error{Kind: kerr.Internal, Detail: fmt.Sprintf("localfs: %s", what), Err: err}
}
