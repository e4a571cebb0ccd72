// Command kho is the one binary of Kho, the electronic data vault of
// organisations and individuals (Kho quản lý dữ liệu điện tử của tổ chức, cá
// nhân): it serves the vault over HTTP, administers tokens, uploads and
// downloads documents through the API, audits the access ledger and collects
// orphan blobs. See docs/cli.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := &app{
		stdin:        os.Stdin,
		stdout:       os.Stdout,
		stderr:       os.Stderr,
		getenv:       os.Getenv,
		now:          time.Now,
		resetSignals: stop,
	}
	code := a.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// app is what every command gets: its streams, the environment and the clock.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         config.Getenv
	now            func() time.Time
	// resetSignals restores the default signal behaviour, so that a second
	// Ctrl-C during a graceful shutdown kills the process.
	resetSignals func()
}

// command is one node of the command tree: a group (sub) or a leaf (run).
type command struct {
	name    string
	usage   string // e.g. "kho doc get [flags] DOCID"
	summary string // English, one line
	vi      string // Vietnamese, one line
	help    string // English, longer (optional)
	run     func(ctx context.Context, a *app, cmd *command, args []string) error
	sub     []*command
}

// exitError carries an exit status with an error already reported.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks errors in the command line itself (exit status 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func commands() *command {
	return &command{
		name:    "kho",
		usage:   "kho COMMAND [flags]",
		summary: "Kho: the electronic data vault of organisations and individuals",
		vi:      "Kho quản lý dữ liệu điện tử của tổ chức, cá nhân",
		sub: []*command{
			serveCommand(),
			adminCommand(),
			docCommand(),
			auditCommand(),
			gcCommand(),
			archiveCommand(),
			reportCommand(),
			signCommand(),
			verifyCommand(),
			extendCommand(),
			signDataCommand(),
			verifyDataCommand(),
			{
				name:    "version",
				usage:   "kho version",
				summary: "print the version of this binary",
				vi:      "In phiên bản của chương trình",
				run:     runVersion,
			},
		},
	}
}

// run executes args and returns the process exit status.
func (a *app) run(ctx context.Context, args []string) int {
	err := a.dispatch(ctx, commands(), args)
	if err == nil {
		return 0
	}
	a.printError(err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func (a *app) dispatch(ctx context.Context, cmd *command, args []string) error {
	if cmd.run != nil {
		return cmd.run(ctx, a, cmd, args)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 0 {
			a.groupUsage(a.stderr, cmd)
			return &usageError{kerr.New(kerr.Invalid, "command_required",
				"Thiếu lệnh cần chạy.", "%s needs a subcommand", cmd.name)}
		}
		a.groupUsage(a.stdout, cmd)
		return nil
	}
	for _, s := range cmd.sub {
		if s.name == args[0] {
			return a.dispatch(ctx, s, args[1:])
		}
	}
	return &usageError{kerr.New(kerr.Invalid, "unknown_command",
		"Lệnh không tồn tại.", "%q is not a subcommand of %s; run '%s -h'", args[0], cmd.name, fullName(cmd))}
}

func fullName(cmd *command) string {
	name, _, _ := strings.Cut(cmd.usage, " [")
	name, _, _ = strings.Cut(name, " COMMAND")
	return name
}

func (a *app) groupUsage(w io.Writer, cmd *command) {
	fmt.Fprintf(w, "%s\n%s\n\nUsage: %s\n\nCommands:\n", cmd.summary, cmd.vi, cmd.usage)
	for _, s := range cmd.sub {
		fmt.Fprintf(w, "  %-10s %s\n  %-10s (%s)\n", s.name, s.summary, "", s.vi)
	}
	fmt.Fprintf(w, "\nRun '%s COMMAND -h' for the flags of a command.\n", fullName(cmd))
}

// flagSet is a leaf command's flags and its help text printer.
type flagSet struct {
	*flag.FlagSet
	help func()
}

// flags returns the flag set of a leaf command; parse prints its help on -h.
func (a *app) flags(cmd *command) *flagSet {
	fs := flag.NewFlagSet(fullName(cmd), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // parse prints help itself, and only for -h
	help := func() {
		w := a.stdout
		fmt.Fprintf(w, "Usage: %s\n\n%s\n%s\n", cmd.usage, cmd.summary, cmd.vi)
		if cmd.help != "" {
			fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(cmd.help))
		}
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintf(w, "\nFlags:\n")
			fs.SetOutput(w)
			fs.PrintDefaults()
			fs.SetOutput(io.Discard)
		}
	}
	return &flagSet{fs, help}
}

// errHelp is returned by parse when -h was asked for and the help printed.
var errHelp = flag.ErrHelp

// parse parses flags that may come before, between or after positional
// arguments (so both "kho doc get ID -o f" and "kho doc get -o f ID" work),
// and checks the number of positionals. "--" ends the flags.
func parse(fs *flagSet, args []string, minPos, maxPos int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.help()
				return nil, errHelp
			}
			return nil, &usageError{kerr.New(kerr.Invalid, "invalid_arguments",
				"Tham số dòng lệnh không hợp lệ.", "%v; run '%s -h'", err, fs.Name())}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if len(pos) < minPos || (maxPos >= 0 && len(pos) > maxPos) {
		want := fmt.Sprintf("%d", minPos)
		if maxPos != minPos {
			want = fmt.Sprintf("%d to %d", minPos, maxPos)
			if maxPos < 0 {
				want = fmt.Sprintf("at least %d", minPos)
			}
		}
		return nil, &usageError{kerr.New(kerr.Invalid, "invalid_arguments",
			"Số tham số dòng lệnh không đúng.", "want %s arguments, got %d (%s); run '%s -h'", want, len(pos), strings.Join(pos, " "), fs.Name())}
	}
	return pos, nil
}

// printError writes "kho: <Vietnamese message> (<code>: <detail>)".
func (a *app) printError(err error) {
	var ee *exitError
	if errors.As(err, &ee) && ee.err == nil {
		return
	}
	code, msg := kerr.Public(err)
	detail := errorDetail(err)
	// A server's error may quote what a client sent: escape it.
	if detail == "" || detail == code {
		fmt.Fprintf(a.stderr, "kho: %s (%s)\n", term(msg), term(code))
		return
	}
	fmt.Fprintf(a.stderr, "kho: %s (%s: %s)\n", term(msg), term(code), term(detail))
}

// errorDetail is the English detail of err: the public error's detail and
// its cause.
func errorDetail(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		ke, ok := e.(*kerr.Error)
		if !ok || ke.Code == "" || ke.Message == "" {
			continue
		}
		var parts []string
		if ke.Detail != "" {
			parts = append(parts, ke.Detail)
		}
		if ke.Err != nil {
			parts = append(parts, ke.Err.Error())
		}
		return strings.Join(parts, ": ")
	}
	return err.Error()
}
