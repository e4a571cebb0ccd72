// Package durable makes names on the local file system survive a power
// cut: on Linux a new file's data is durable after fsync of the file, but
// its name only after fsync of the directory that holds it, and a new
// directory's name only after fsync of its parent.
package durable

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// DirMode is the mode of the directories Kho makes for data: owner only.
const DirMode = 0o700

// SyncDir fsyncs a directory, so that the names made in it survive a
// power cut. A file system that cannot sync directories (EINVAL) is not
// an error.
func SyncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// CreateFile makes the file path holding data: created exclusively
// (an error satisfying errors.Is(err, fs.ErrExist) when it exists), given
// mode perm whatever the umask (which may take the owner's bits away),
// synced, and its name made durable by syncing its directory. When a step
// after the creation fails, the file is removed again.
func CreateFile(path string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	err = errors.Join(werr, f.Chmod(perm), f.Sync(), f.Close())
	if err == nil {
		err = SyncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// SyncFile fsyncs the file at path.
func SyncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// MkdirAll makes dir and its missing parents with mode DirMode and syncs
// the directory above each one it made, so that the whole path survives a
// power cut. If dir exists already with another mode it is chmod-ed to
// DirMode (unless it belongs to another user); parents that existed are
// left alone.
func MkdirAll(dir string) error {
	var missing []string
	p := filepath.Clean(dir)
	for {
		fi, err := os.Stat(p)
		if err == nil {
			if !fi.IsDir() {
				return &fs.PathError{Op: "mkdir", Path: p, Err: syscall.ENOTDIR}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, p)
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		p = parent
	}
	for i := len(missing) - 1; i >= 0; i-- {
		err := os.Mkdir(missing[i], DirMode)
		if errors.Is(err, fs.ErrExist) {
			continue // made meanwhile by another process, which syncs it
		}
		if err != nil {
			return err
		}
		if err := SyncDir(filepath.Dir(missing[i])); err != nil {
			return err
		}
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm() != DirMode {
		err := os.Chmod(dir, DirMode)
		if errors.Is(err, fs.ErrPermission) {
			return nil // another user's directory: the files in it are 0600 all the same
		}
		return err
	}
	return nil
}
