package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	xterm "golang.org/x/term"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
)

// userCommand is 'kho admin user': the web portal's local accounts.
func userCommand() *command {
	return &command{
		name:    "user",
		usage:   "kho admin user COMMAND [flags]",
		summary: "add, list, disable local accounts of the web portal and set their passwords",
		vi:      "Thêm, liệt kê, khoá tài khoản đăng nhập cổng thông tin và đặt mật khẩu",
		sub: []*command{
			{
				name:    "add",
				usage:   "kho admin user add [flags] --username NAME --name 'Họ và tên' --role citizen|staff|admin",
				summary: "add an account; its password is read from the terminal or standard input",
				vi:      "Thêm tài khoản đăng nhập (mật khẩu nhập từ bàn phím hoặc đầu vào chuẩn)",
				help: `The password is never an argument (it would stay in the shell's history
and in the process list): on a terminal it is asked twice without echo;
otherwise the first line of standard input is the password, e.g.
  printf '%s\n' "$PASSWORD" | kho admin user add --username canbo01 ...
It must have at least 10 characters and not be the username. A citizen's
account needs --citizen-id (their 12-digit identity number: the account
acts as the owner of that vault); a staff or admin account acts as its
username, for the agency --agency names (as 'kho admin token create').
Works on the store directly.`,
				run: runUserAdd,
			},
			{
				name:    "ls",
				usage:   "kho admin user ls [flags]",
				summary: "list the accounts (never their password hashes)",
				vi:      "Liệt kê các tài khoản đăng nhập",
				run:     runUserList,
			},
			{
				name:    "passwd",
				usage:   "kho admin user passwd [flags] USERNAME",
				summary: "set an account's password (read as for add); its sessions end",
				vi:      "Đặt lại mật khẩu của tài khoản; các phiên đăng nhập của tài khoản kết thúc",
				run:     runUserPasswd,
			},
			{
				name:    "disable",
				usage:   "kho admin user disable [flags] USERNAME",
				summary: "disable an account (--enable: enable it again); its sessions end at once",
				vi:      "Khoá (hoặc mở khoá với --enable) tài khoản; các phiên đăng nhập kết thúc ngay",
				run:     runUserDisable,
			},
		},
	}
}

// readPassword reads a new password: twice without echo from a terminal,
// else the first line of standard input (at most auth.MaxPasswordBytes).
func (a *app) readPassword() (string, error) {
	if f, ok := a.stdin.(*os.File); ok && xterm.IsTerminal(int(f.Fd())) {
		fmt.Fprint(a.stderr, "Mật khẩu mới: ")
		pw, err := xterm.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", kerr.Wrap(err, kerr.Invalid, "password_unreadable", "Không đọc được mật khẩu.")
		}
		fmt.Fprint(a.stderr, "Nhập lại mật khẩu: ")
		again, err := xterm.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", kerr.Wrap(err, kerr.Invalid, "password_unreadable", "Không đọc được mật khẩu.")
		}
		if !bytes.Equal(pw, again) {
			return "", kerr.New(kerr.Invalid, "password_mismatch", "Hai lần nhập mật khẩu không khớp.", "the two passwords differ")
		}
		return string(pw), nil
	}
	// At most the longest password, its line end and one byte more (to
	// tell an over-long line): nothing larger is read into memory.
	line, err := bufio.NewReaderSize(io.LimitReader(a.stdin, auth.MaxPasswordBytes+3), auth.MaxPasswordBytes+3).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", kerr.Wrap(err, kerr.Invalid, "password_unreadable", "Không đọc được mật khẩu.")
	}
	line = trimLineEnd(line)
	if line == "" {
		return "", kerr.New(kerr.Invalid, "password_missing", "Chưa nhập mật khẩu (dòng đầu của đầu vào chuẩn).", "standard input has no password line")
	}
	if len(line) > auth.MaxPasswordBytes {
		return "", auth.CheckPassword("", line)
	}
	return line, nil
}

// trimLineEnd drops one "\n" or "\r\n" at the end of s.
func trimLineEnd(s string) string {
	if n := len(s); n > 0 && s[n-1] == '\n' {
		s = s[:n-1]
		if n := len(s); n > 0 && s[n-1] == '\r' {
			s = s[:n-1]
		}
	}
	return s
}

func runUserAdd(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	username := fs.String("username", "", "the login `NAME`: 3-64 of a-z 0-9 . _ -")
	name := fs.String("name", "", "the person's full `NAME` as shown in the portal")
	role := fs.String("role", "", "`ROLE`: citizen, staff or admin")
	agency := fs.String("agency", "", "the agency `CODE` (e.g. 000.00.31.H29) a staff or admin account acts for")
	citizenID := fs.String("citizen-id", "", "the 12-digit identity `NUMBER` (required for a citizen)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	acct := auth.Account{Username: *username, DisplayName: *name, Role: archive.Role(*role), Agency: *agency, CitizenID: *citizenID}
	if n, ok := auth.NormalizeUsername(acct.Username); ok {
		acct.Username = n
	}
	if err := acct.Validate(); err != nil {
		return &usageError{err}
	}
	pw, err := a.readPassword()
	if err != nil {
		return err
	}
	acct, err = auth.NewAccount(acct, pw, auth.DefaultArgon2, a.now())
	if err != nil {
		return err
	}
	return a.withStore(ctx, cfg, mayCreate, func(ctx context.Context, st *stores) error {
		if err := st.meta.CreateAccount(ctx, acct); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "Đã tạo tài khoản %s (%s).\n", acct.Username, acct.Role)
		return nil
	})
}

func runUserList(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		all := []auth.Account{}
		for after := ""; ; {
			page, err := st.meta.ListAccounts(ctx, after, auth.MaxListAccounts)
			if err != nil {
				return err
			}
			all = append(all, page...)
			if len(page) < auth.MaxListAccounts {
				break
			}
			after = page[len(page)-1].Username
		}
		if *asJSON {
			return printJSON(a.stdout, all)
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tNAME\tROLE\tAGENCY\tCITIZEN ID\tCREATED\tSTATE")
		for _, u := range all {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", term(u.Username), clip(term(oneLine(u.DisplayName)), 30), term(string(u.Role)),
				term(u.Agency), term(u.CitizenID), u.CreatedAt.In(vietnam()).Format("02/01/2006 15:04"), state)
		}
		return tw.Flush()
	})
}

// userArgs are the parsed store flags and USERNAME of a user command.
type userArgs struct {
	cfg      *config.Store
	username string // normalised
	ok       bool   // false: help was printed or the arguments were refused (err)
}

// userArg parses the store flags and the one USERNAME argument of cmd,
// with extra flags bound by bind.
func (a *app) userArg(cmd *command, args []string, bind func(*flagSet)) (cfgArgs userArgs, err error) {
	fs := a.flags(cmd)
	cfgArgs.cfg = bindStore(fs, a, true)
	if bind != nil {
		bind(fs)
	}
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return cfgArgs, helpOK(err)
	}
	n, ok := auth.NormalizeUsername(pos[0])
	if !ok {
		return cfgArgs, &usageError{kerr.New(kerr.Invalid, "invalid_username", "Tên đăng nhập không hợp lệ.", "username %q", pos[0])}
	}
	cfgArgs.username, cfgArgs.ok = n, true
	return cfgArgs, nil
}

func runUserPasswd(ctx context.Context, a *app, cmd *command, args []string) error {
	u, err := a.userArg(cmd, args, nil)
	if !u.ok {
		return err
	}
	pw, err := a.readPassword()
	if err != nil {
		return err
	}
	return a.withStore(ctx, u.cfg, mustExist, func(ctx context.Context, st *stores) error {
		if _, err := auth.SetPassword(ctx, st.meta, u.username, pw, auth.DefaultArgon2, a.now()); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "Đã đặt mật khẩu mới cho %s; các phiên đăng nhập của tài khoản đã kết thúc.\n", u.username)
		return nil
	})
}

func runUserDisable(ctx context.Context, a *app, cmd *command, args []string) error {
	var enable *bool
	u, err := a.userArg(cmd, args, func(fs *flagSet) { enable = fs.Bool("enable", false, "enable the account again instead") })
	if !u.ok {
		return err
	}
	return a.withStore(ctx, u.cfg, mustExist, func(ctx context.Context, st *stores) error {
		if _, err := auth.SetDisabled(ctx, st.meta, u.username, !*enable, a.now()); err != nil {
			return err
		}
		if *enable {
			fmt.Fprintf(a.stderr, "Đã mở khoá tài khoản %s.\n", u.username)
		} else {
			fmt.Fprintf(a.stderr, "Đã khoá tài khoản %s; các phiên đăng nhập của tài khoản đã kết thúc.\n", u.username)
		}
		return nil
	})
}
