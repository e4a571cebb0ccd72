package main

import (
	"context"
	"fmt"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
)

func adminCommand() *command {
	return &command{
		name:    "admin",
		usage:   "kho admin COMMAND [flags]",
		summary: "administer a vault's store directly (API tokens, portal accounts, FerretDB indexes, the working-time calendar, staff, procedures)",
		vi:      "Quản trị kho dữ liệu trực tiếp (mã truy cập API, tài khoản đăng nhập, chỉ mục FerretDB, lịch làm việc, cán bộ, thủ tục)",
		sub: []*command{ferretDBIndexesCommand(), calendarCommand(), staffCommand(), proceduresCommand(), userCommand(), {
			name:    "token",
			usage:   "kho admin token COMMAND [flags]",
			summary: "create, list and revoke API tokens",
			vi:      "Tạo, liệt kê và thu hồi mã truy cập API",
			sub: []*command{
				{
					name:    "create",
					usage:   "kho admin token create [flags] --subject ID --role citizen|staff|admin",
					summary: "create an API token and print it (shown only this once)",
					vi:      "Tạo mã truy cập API (chỉ hiện một lần)",
					help: `The token is printed on standard output, alone on its line; only its
SHA-256 is stored, so it cannot be shown again: revoke it and create
another if it is lost. A citizen's subject is their identity number (the
owner ID of their vault). Works on the store directly (--data or
--mongo-uri), also while the server runs.`,
					run: runTokenCreate,
				},
				{
					name:    "ls",
					usage:   "kho admin token ls [flags]",
					summary: "list API tokens (never their secrets)",
					vi:      "Liệt kê các mã truy cập API",
					run:     runTokenList,
				},
				{
					name:    "revoke",
					usage:   "kho admin token revoke [flags] ID",
					summary: "revoke an API token by its ID",
					vi:      "Thu hồi một mã truy cập API",
					run:     runTokenRevoke,
				},
			},
		}},
	}
}

// quietLog is the logger of one-shot commands: warnings and errors only.
func (a *app) quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// withStore opens the store cfg names, runs fn, and closes it.
func (a *app) withStore(ctx context.Context, cfg *config.Store, mode openMode, fn func(ctx context.Context, st *stores) error) (err error) {
	if err := cfg.Validate(); err != nil {
		return &usageError{err}
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	st, err := openStores(ctx, cfg, mode, a.quietLog())
	if err != nil {
		return err
	}
	defer func() {
		if cerr := st.close(context.WithoutCancel(ctx)); cerr != nil && err == nil {
			err = kerr.Wrap(cerr, kerr.Internal, "close_failed", "Không đóng được kho dữ liệu đúng cách.")
		}
	}()
	return fn(ctx, st)
}

func runTokenCreate(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	subject := fs.String("subject", "", "who the token acts as: a citizen's identity number, or a staff/admin user `ID`")
	role := fs.String("role", "", "`ROLE`: citizen, staff or admin")
	name := fs.String("name", "", "a `NAME` to recognise the token by")
	expires := fs.Duration("expires", 0, "lifetime, e.g. 720h (default: no expiry)")
	agency := fs.String("agency", "", "the agency `CODE` (e.g. 000.00.31.H29) a staff or admin token acts for: it issues, revokes and supersedes that agency's papers")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	if *expires < 0 {
		return &usageError{kerr.New(kerr.Invalid, "invalid_expiry", "Thời hạn mã truy cập không hợp lệ.", "--expires must not be negative")}
	}
	now := a.now()
	secret, tok, err := auth.Generate(*subject, archive.Role(*role), *name, now)
	if err == nil {
		tok, err = tok.ForAgency(*agency)
	}
	if err != nil {
		return &usageError{err}
	}
	if *expires > 0 {
		tok.ExpiresAt = now.Add(*expires).UTC().Truncate(time.Millisecond)
	}
	return a.withStore(ctx, cfg, mayCreate, func(ctx context.Context, st *stores) error {
		if err := st.meta.CreateToken(ctx, tok); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, secret)
		fmt.Fprintf(a.stderr, "Đã tạo mã truy cập %s cho %s (%s). Hãy lưu lại: mã này chỉ hiện một lần.\n", tok.ID, tok.Subject, tok.Role)
		return nil
	})
}

func runTokenList(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		toks, err := st.meta.ListTokens(ctx)
		if err != nil {
			return err
		}
		if toks == nil {
			toks = []auth.Token{}
		}
		if *asJSON {
			return printJSON(a.stdout, toks)
		}
		now := a.now()
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSUBJECT\tROLE\tNAME\tCREATED\tSTATE")
		for _, t := range toks {
			state := "active"
			switch {
			case t.Revoked:
				state = "revoked"
			case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
				state = "expired"
			case !t.ExpiresAt.IsZero():
				state = "until " + t.ExpiresAt.In(vietnam()).Format("02/01/2006 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", term(t.ID), term(t.Subject), term(string(t.Role)), clip(term(oneLine(t.Name)), 30),
				t.CreatedAt.In(vietnam()).Format("02/01/2006 15:04"), state)
		}
		return tw.Flush()
	})
}

func runTokenRevoke(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		if err := st.meta.RevokeToken(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "Đã thu hồi mã truy cập %s.\n", pos[0])
		return nil
	})
}
