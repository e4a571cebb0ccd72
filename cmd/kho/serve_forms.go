package main

import (
	"flag"
	"log/slog"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/config"
)

const envForms = "KHO_FORMS"

// serveForms is the eForm configuration of `kho serve`: the shipped
// definitions, plus those of a directory.
type serveForms struct {
	dir string
}

func (c *serveForms) bind(fs *flag.FlagSet, getenv config.Getenv) {
	fs.StringVar(&c.dir, "forms", getenv(envForms), "`DIR` of eForm definitions (*.json) published beside the shipped ones [$"+envForms+"]")
}

// build returns the registry of published definitions; a definition file
// that does not parse stops the start.
func (c *serveForms) build(log *slog.Logger) (*forms.Registry, error) {
	reg, err := forms.NewShippedRegistry()
	if err != nil {
		return nil, err
	}
	if c.dir != "" {
		n, err := reg.LoadDir(c.dir)
		if err != nil {
			return nil, err
		}
		log.Info("đã nạp biểu mẫu", "dir", c.dir, "count", n)
	}
	return reg, nil
}
