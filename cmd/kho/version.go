package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

func runVersion(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	fmt.Fprintln(a.stdout, versionString())
	return nil
}

// versionString describes the build: module version, VCS revision, Go version.
func versionString() string {
	version, rev, dirty := "(devel)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	s := "kho " + version
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		s += " " + rev
		if dirty {
			s += "+dirty"
		}
	}
	return fmt.Sprintf("%s %s %s/%s", s, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// helpOK turns "help was printed" into success and passes other errors on.
func helpOK(err error) error {
	if err == errHelp {
		return nil
	}
	return err
}
