package archive

import (
	"context"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
)

// FormSource returns the vault as eForm auto-fill reads it for actor a
// (forms.Vault): the owner's profile, read with Owner, and the newest
// valid paper of a type, read with Get, so that every read is in the
// owner's ledger as Owner and Get record it. acc is why a reads: staff
// and admin must give a purpose (Invalid "purpose_required"); a paper's
// read records it with the form's own purpose ("<acc's purpose> — Tự động
// điền biểu mẫu CODE"). The vault's rules apply unchanged: a citizen reads
// only their own vault (Permission otherwise); staff and admin read any
// owner's.
func (s *Service) FormSource(a Actor, acc Access) forms.Vault {
	return formSource{s: s, a: a, acc: acc}
}

type formSource struct {
	s   *Service
	a   Actor
	acc Access
}

var _ forms.Vault = formSource{}

// Profile returns the owner's record as forms.ProfilePaths entries; an
// owner without a record has an empty profile.
func (f formSource) Profile(ctx context.Context, ownerID string) (map[string]any, error) {
	o, err := f.s.Owner(ctx, f.a, ownerID, f.acc)
	if kerr.IsKind(err, kerr.NotFound) {
		return map[string]any{}, nil
	}
	if err != nil {
		return nil, err
	}
	p := map[string]any{"ownerKind": string(o.Kind)}
	set := func(k, v string) {
		if v != "" {
			p[k] = v
		}
	}
	set("identityNumber", o.IdentityNumber)
	set("fullName", o.Name)
	set("idIssuer", o.IDIssuer)
	if !o.IDIssueDate.IsZero() {
		p["idIssueDate"] = o.IDIssueDate.String()
	}
	if o.BirthYear > 0 {
		p["birthYear"] = o.BirthYear
	}
	return p, nil
}

// NewestValid returns the owner's valid paper of the type issued last (by
// issue date, then by when it was stored), read with Get.
func (f formSource) NewestValid(ctx context.Context, ownerID, typeCode, purpose string) (forms.VaultDocument, error) {
	acc, err := readOwner(f.a, ownerID, f.acc)
	if err != nil {
		return forms.VaultDocument{}, err
	}
	// The search is not recorded: the one paper chosen is, by Get.
	docs, err := f.s.findReusable(ctx, ownerID, typeCode, Date{})
	if err != nil {
		return forms.VaultDocument{}, err
	}
	var best *Document
	for i := range docs {
		d := &docs[i]
		if best == nil || newer(d, best) {
			best = d
		}
	}
	if best == nil {
		return forms.VaultDocument{}, kerr.New(kerr.NotFound, "prefill_source_not_found",
			"Kho dữ liệu không có giấy tờ còn hiệu lực để điền sẵn.", "owner %s has no valid %s", ownerID, typeCode)
	}
	acc.Purpose = joinPurpose(acc.Purpose, purpose)
	d, err := f.s.Get(ctx, f.a, best.ID, acc)
	if err != nil {
		return forms.VaultDocument{}, err
	}
	return forms.VaultDocument{ID: d.ID, Version: d.VersionCount, TypeCode: d.TypeCode, Name: d.Name, Fields: d.Fields}, nil
}

// newer reports whether a was issued (or, on the same day, stored) after b.
func newer(a, b *Document) bool {
	if a.IssueDate != b.IssueDate {
		return b.IssueDate.Before(a.IssueDate)
	}
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.After(b.CreatedAt)
	}
	return a.ID > b.ID
}

// joinPurpose records why the caller reads (given) and what the read is
// for (own), within the ledger's bound on a purpose.
func joinPurpose(given, own string) string {
	p := own
	if given != "" && own != "" {
		p = given + " — " + own
	} else if given != "" {
		p = given
	}
	if r := []rune(p); len(r) > maxPurposeRunes {
		p = string(r[:maxPurposeRunes-1]) + "…"
	}
	return p
}
