package auth

import (
	"context"
	"time"

	"github.com/kho-vn/kho/archive"
)

// Token is a stored API token. The secret itself is never stored: Hash is
// the lowercase hex SHA-256 of the full token string the client presents.
type Token struct {
	ID      string       `json:"id"` // public, short; shown in listings
	Hash    string       `json:"-"`
	Subject string       `json:"subject"`
	Role    archive.Role `json:"role"`
	// Agency is the agency code a staff or admin token acts for ("" =
	// none): the agency whose papers it issues, revokes and supersedes.
	Agency    string    `json:"agency,omitempty"`
	Name      string    `json:"name,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"` // zero = no expiry
	Revoked   bool      `json:"revoked,omitempty"`
}

// Store keeps tokens. Error kinds as in archive's store interfaces.
type Store interface {
	// CreateToken inserts t. Conflict if t.ID or t.Hash exists.
	CreateToken(ctx context.Context, t Token) error
	// TokenByHash returns the token with that hash. NotFound if none.
	TokenByHash(ctx context.Context, hash string) (Token, error)
	// RevokeToken marks the token with that ID revoked. NotFound if none.
	RevokeToken(ctx context.Context, id string) error
	// ListTokens returns every token ordered by ID.
	ListTokens(ctx context.Context) ([]Token, error)
}
