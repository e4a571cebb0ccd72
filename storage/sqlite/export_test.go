package sqlite

import (
	"context"
	"database/sql"

	"github.com/kho-vn/kho/archive"
)

// CreateDocuments inserts docs in one transaction, as CreateDocument would
// one by one: the benchmark's fast seeding path.
func CreateDocuments(ctx context.Context, s *Store, docs []archive.Document) error {
	return s.createDocuments(ctx, docs)
}

// Pragmas returns the value of PRAGMA name on the writer connection and on
// every reader connection (opened all at once, so each is a connection of
// its own).
func Pragmas(ctx context.Context, s *Store, name string) (writer string, readers []string, err error) {
	if err := s.w.QueryRowContext(ctx, "PRAGMA "+name).Scan(&writer); err != nil {
		return "", nil, err
	}
	n := s.r.Stats().MaxOpenConnections
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := s.r.Conn(ctx)
		if err != nil {
			return "", nil, err
		}
		conns = append(conns, c)
		var v string
		if err := c.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			return "", nil, err
		}
		readers = append(readers, v)
	}
	return writer, readers, nil
}
